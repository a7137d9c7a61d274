// GdbStub: each program's executable from the image, named by qXfer:exec-file:read and served by vFile.
#include "sim/gdb/stub.h"

#include <fstream>
#include <iterator>

#include "core/inbound.h"
#include "lib/tar.h"
#include "sim/gdb/gdb_log.h"

namespace helios::sim {

std::string GdbStub::exec_file(uint32_t id, bool by_process) {
    if (by_process) return exec_path_for(program_of_process(id));
    Task* t = task_by_id(id);
    if (!t || !t->vspace()) return "";
    return exec_path_for(program_of(*t->vspace()));
}

std::shared_ptr<const std::string> GdbStub::file(std::string_view path) {
    auto it = exec_files_.find(path);
    return it != exec_files_.end() ? it->second : nullptr;
}

std::string GdbStub::exec_path_for(const std::string& program) {
    if (program.empty() || options_.image_path.empty()) return "";
    auto it = exec_paths_.find(program);
    if (it != exec_paths_.end()) return it->second;
    std::ifstream in(options_.image_path, std::ios::binary);
    if (!in) return "";
    std::vector<uint8_t> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    lib::TarReader tar(image.data(), image.size());
    lib::TarEntry e{};
    bool found = false;
    while (!found && tar.next(&e) == lib::TarError::none) {
        if (e.type != lib::TarType::regular) continue;
        char path[256];
        if (e.copy_path(path, sizeof path) >= sizeof path) continue;
        std::string p = path;
        std::string base = p.substr(p.rfind('/') == std::string::npos ? 0 : p.rfind('/') + 1);
        found = p == program || base == program;
    }
    if (!found) return "";
    auto written = extracted_.write(program, e.data, e.size);
    if (!written) {
        gdb::log().warn("gdb: cannot extract '{}' for gdb: {}", program, written.message());
        return "";
    }
    exec_paths_[program] = *written;
    exec_files_[*written] = std::make_shared<const std::string>(reinterpret_cast<const char*>(e.data), e.size);
    return *written;
}

}  // namespace helios::sim
