// fuzz_tar: the initramfs reader (kernel_core/lib/tar) on any bytes: it never
// reads outside them, its errors are sticky, members lie inside the image,
// and find() over an archive next() read to its end does not fail.
#include "fuzz_bytes.h"
#include "lib/tar.h"

#include <cstring>
#include <vector>

using helios::lib::TarEntry;
using helios::lib::TarError;
using helios::lib::TarReader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy: ASan then flags any read past the end.
    std::vector<uint8_t> image(data, data + size);
    TarReader reader(image.data(), image.size());
    TarEntry entry;
    TarError e;
    unsigned members = 0;
    TarEntry first{};
    bool have_first = false;  // the first member whose path fits `path`
    char path[256];
    while ((e = reader.next(&entry)) == TarError::none && members < 4096) {
        if (entry.size && !entry.data) helios::fuzz::finding("a member with bytes but no data pointer");
        if (entry.data && (entry.data < image.data() || entry.data + entry.size > image.data() + image.size()))
            helios::fuzz::finding("a member's data lies outside the image");
        if (!have_first && entry.copy_path(path, sizeof path) < sizeof path) {
            first = entry;
            have_first = true;
        }
        ++members;
    }
    if (e != TarError::end && e != TarError::none) {
        TarEntry again;
        if (reader.next(&again) != e) helios::fuzz::finding("an error was not sticky");
    }
    if (have_first) {
        // find() scans the same archive: it must stop at the same error, or
        // find a member (path bytes after a NUL make the C string another path).
        first.copy_path(path, sizeof path);
        TarEntry found;
        TarError f = reader.find(path, &found);
        if (f == TarError::none &&
            (found.data ? found.data < image.data() || found.data + found.size > image.data() + image.size()
                        : found.size != 0))
            helios::fuzz::finding("find() returned a member outside the image");
        if (e == TarError::end && f != TarError::none && f != TarError::not_found)
            helios::fuzz::finding("find() failed on an archive next() read to its end");
    }
    (void)describe(e);
    return 0;
}
