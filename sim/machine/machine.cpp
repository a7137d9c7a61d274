// Machine: construction and boot (memory, devices on the bus, trace and recording, the kernel and init).
#include "sim/machine/machine.h"

#include "sim/machine/host_memory.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

namespace helios::sim {

namespace {

Machine* g_machine = nullptr;
// The top of simulated RAM is a device-memory window (a stand-in for MMIO or
// a framebuffer), handed to init as its DevMem.
constexpr uint64_t kDevMemPages = 16;

// The PC's serial ports, in Injection::port order: where each decodes, the
// line it drives, and the option naming its far end (README: the same
// devices as the x86_64 machine under QEMU).
struct SerialPortWiring {
    const char* name;
    const char* option;
    uint16_t base;
    unsigned irq;
    std::string MachineConfig::*far_end;
};
constexpr SerialPortWiring kSerialWiring[] = {
    {"COM1", "--com1", 0x3F8, 4, &MachineConfig::com1},
    {"COM2", "--com2", 0x2F8, 3, &MachineConfig::com2},
};
static_assert(std::size(kSerialWiring) == Machine::kSerialPorts);
constexpr uint16_t kUartPorts = 8;

}  // namespace

Machine& Machine::current() { return *g_machine; }

Machine::Machine(MachineConfig config)
    : config_(std::move(config)), watchdog_(config_.timeout_seconds, config_.free_running) {
    g_machine = this;
}

Machine::~Machine() {
    husks_.reset();  // kills every husk
    if (g_machine == this) g_machine = nullptr;
}

Status Machine::boot(const std::vector<uint8_t>& image) {
    // main() checks --mem and a scenario's mem= first (to pick the exit
    // code); this is the same rule for every other caller of boot().
    if (Status mem_ok = check_guest_memory(config_.memory_bytes, "memory size"); !mem_ok) return mem_ok;
    if (Status limits_ok = fit_limits_to_host(); !limits_ok) return limits_ok;
    spdlog::debug("host: {}", host_profile());
    note_recording_host();
    auto mem = PhysicalMemory::create(config_.memory_bytes);
    if (!mem) return mem.status();
    memory_ = std::move(*mem);
    husks_.emplace(*memory_, config_.traps, messages_);

    std::string err;
    for (size_t i = 0; i < kSerialPorts; ++i) {
        const SerialPortWiring& wiring = kSerialWiring[i];
        SerialLine& line = serial_[i];
        line.far_end = parse_char_backend(config_.*wiring.far_end, err, wiring.name);
        if (!line.far_end) return Status::failure(fmt::format("{}: {}", wiring.option, err));
        line.uart.on_tx = [&line](uint8_t b) {
            line.far_end->write(&b, 1);
            if (line.listener) line.listener(b);
        };
        line.uart.on_irq_change = bus_.attach({wiring.name, wiring.base, kUartPorts, wiring.irq,
                                               [&line](unsigned offset) { return line.uart.read(offset); },
                                               [&line](unsigned offset, uint8_t b) { line.uart.write(offset, b); }});
    }
    if (!config_.trace_path.empty()) {
        trace_ = TraceWriter::open(config_.trace_path, err, config_.trace_limit_bytes);
        if (!trace_) return Status::failure(err);
    }

    uint64_t ram = config_.memory_bytes - kDevMemPages * HELIOS_PAGE_SIZE;
    auto root = kernel_.init(0, ram);
    if (!root.ok()) return Status::failure(fmt::format("kernel init failed: {}", error_name(root.error())));
    root_ = *root;
    if (config_.check_invariants)
        invariants_ = std::make_unique<InvariantCheck>(kernel_, root_,
                                                       kernel_.phys().total_frames() - kernel_.phys().free_frames(),
                                                       config_.deep_check_every);

    schedule_ = config_.injections;
    if (config_.replay)
        schedule_.insert(schedule_.end(), config_.replay->injections.begin(), config_.replay->injections.end());
    std::stable_sort(schedule_.begin(), schedule_.end(),
                     [](const Injection& a, const Injection& b) { return a.vtime < b.vtime; });
    if (!config_.record_path.empty()) {
        recorder_ = ScenarioWriter::create(config_.record_path, err, config_.trace_limit_bytes);
        if (!recorder_) return Status::failure(err);
        recorder_->header(config_.image_path, image_hash(image), image.size(), config_.memory_bytes, config_.cmdline);
        recorder_->limits({config_.max_address_spaces, config_.max_tasks, config_.max_mappings}, host_profile());
        if (config_.check_invariants) recorder_->check_invariants(config_.deep_check_every);
    }

    symbols_ = std::make_unique<Symbolizer>(image);

    BootConfig boot{};
    boot.initramfs = image.data();
    boot.initramfs_size = image.size();
    boot.devmem_base = ram;
    boot.devmem_pages = kDevMemPages;
    boot.cmdline = config_.cmdline.c_str();
    BootError why;
    auto init = boot_init(kernel_, *root_, boot, &why);
    if (!init.ok()) {
        std::string msg = why.what ? why.what : "boot failed";
        if (why.detail) msg += fmt::format(": {}", why.detail);
        return Status::failure(msg);
    }
    if (invariants_) invariants_->booted(**init);
    return Status::success();
}

void Machine::console_write(const char* text, size_t length) {
    // The kernel console is COM1's far end, as on a PC with a serial console.
    serial_[0].far_end->write(reinterpret_cast<const uint8_t*>(text), length);
}

void Machine::task_exited(Task& task, uint64_t status) {
    if (&task == kernel_.init_task()) init_exit_ = static_cast<int>(status & 0xFF);
    task_destroyed(task);  // its Linux thread is no longer needed
}

}  // namespace helios::sim
