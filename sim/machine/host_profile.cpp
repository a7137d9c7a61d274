// The host's trap profile: what this run traps, and how a recording's host differed (for replay reports).
#include "sim/machine/machine.h"

#include "sim/ptrace/virtual_cpu.h"

#include <fmt/format.h>

namespace helios::sim {

namespace {

// "rdtsc=trapped" -> "trapped" in a host profile line; "" when absent.
std::string profile_field(const std::string& profile, const std::string& key) {
    const std::string k = key + "=";
    size_t at = profile.find(k);
    if (at == std::string::npos || (at > 0 && profile[at - 1] != ' ')) return "";
    size_t end = profile.find(' ', at);
    return profile.substr(at + k.size(), end == std::string::npos ? std::string::npos : end - at - k.size());
}

}  // namespace

std::string Machine::host_profile() const {
    HostTraps t = host_traps();
    t.rdtsc = t.rdtsc && config_.traps.tsc;
    t.cpuid = t.cpuid && config_.traps.cpuid;
    return t.describe();
}

void Machine::note_recording_host() {
    if (config_.replay && !config_.replay->host.empty() && config_.replay->host != host_profile()) {
        const std::string then_tsc = profile_field(config_.replay->host, "rdtsc");
        const std::string now_tsc = profile_field(host_profile(), "rdtsc");
        if (then_tsc != now_tsc || profile_field(config_.replay->host, "cpuid") != profile_field(host_profile(), "cpuid"))
            fmt::print(stderr, "helios-sim: note: recorded on a host with '{}', replaying on '{}'; a guest that "
                               "reads the TSC or cpuid may see other values\n",
                       config_.replay->host, host_profile());
    }
}

std::string Machine::host_difference_note() {
    const Scenario* sc = config_.replay;
    if (!sc) return "";
    const std::string here = host_profile();
    std::string note;
    const std::string then_tsc = profile_field(sc->host, "rdtsc"), now_tsc = profile_field(here, "rdtsc");
    if (!then_tsc.empty() && then_tsc != now_tsc) {
        if (now_tsc == "trapped" && guest_read_tsc_) {
            const GuestRead& g = *guest_read_tsc_;
            note += fmt::format(
                "  hosts differ: the recording host could not trap rdtsc (its guest read that host's TSC, which "
                "nothing records); here the guest executed rdtsc {} times, first in {} at {} (before event {}): "
                "the likely cause\n",
                guest_tsc_reads_, g.program.empty() ? "?" : g.program,
                symbols_ ? symbols_->describe(g.program, g.ip) : fmt::format("{:#x}", g.ip), g.event_index);
        } else if (now_tsc == "native") {
            for (const std::string& r : sc->guest_reads)
                if (r.rfind("rdtsc", 0) == 0)
                    note += "  hosts differ: this host cannot trap rdtsc, and the recording's guest executed it (" +
                            r + "): here it read this host's TSC instead of virtual time: the likely cause\n";
        }
    }
    if (now_tsc == "native" && note.empty() && symbols_) {
        // Nothing observed it here (rdtsc runs natively); say where the
        // image's programs could have read the host's clock.
        auto sites = symbols_->tsc_reads(4);
        if (!sites.empty()) {
            note += "  this host cannot trap rdtsc; where a guest ran one of these it read the host's TSC, which no "
                    "recording holds:\n";
            for (const std::string& site : sites) note += "    " + site + "\n";
        }
    }
    const std::string then_cpuid = profile_field(sc->host, "cpuid"), now_cpuid = profile_field(here, "cpuid");
    if (!then_cpuid.empty() && then_cpuid != now_cpuid)
        note += fmt::format("  hosts differ: cpuid was {} when recorded and is {} here (a guest reading cpuid sees "
                            "different values)\n",
                            then_cpuid, now_cpuid);
    return note;
}

}  // namespace helios::sim
