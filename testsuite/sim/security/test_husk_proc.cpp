// What the host kernel says about every husk while a guest runs: seccomp, no-new-privs, no capabilities, no vDSO.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "attack_run.h"
#include "proc_probe.h"

using namespace sectest;

TEST_CASE("husk: every husk runs under a seccomp filter with no-new-privs and no capabilities or vDSO",
          "[security][husk]") {
    systest::Child sim(systest::sim_path(), {"run", "--image", SEC_IMG_SPIN, "--com1", "stdio", "--timeout", "20"});
    const bool spinning = sim.wait_for_stdout("sys_spin: spinning\n", 10);
    std::vector<systest::ProcId> husks = systest::children_of(sim.pid());
    struct Seen {
        pid_t pid;
        std::string seccomp, nnp, cap_eff, cap_bnd, kernel_pages;
        std::vector<std::string> fds;
    };
    std::vector<Seen> seen;
    for (const systest::ProcId& h : husks) {
        Seen s{h.pid,
               status_field(h.pid, "Seccomp"),
               status_field(h.pid, "NoNewPrivs"),
               status_field(h.pid, "CapEff"),
               status_field(h.pid, "CapBnd"),
               "",
               fds_of(h.pid)};
        for (const Mapping& m : maps_of(h.pid))
            if (m.name == "[vdso]" || m.name == "[vvar]" || m.name == "[vvar_vclock]" || m.name == "[stack]")
                s.kernel_pages += m.name + " ";
        seen.push_back(s);
    }
    sim.signal(SIGKILL);
    systest::RunResult r = sim.wait(5);
    INFO(r.describe());
    REQUIRE(spinning);
    REQUIRE(!husks.empty());
    for (const Seen& s : seen) {
        std::printf("[husk %d] Seccomp %s, NoNewPrivs %s, CapEff %s, CapBnd %s, kernel pages '%s', %zu fds\n", s.pid,
                    s.seccomp.c_str(), s.nnp.c_str(), s.cap_eff.c_str(), s.cap_bnd.c_str(), s.kernel_pages.c_str(),
                    s.fds.size());
        for (const std::string& fd : s.fds) std::printf("  fd %s\n", fd.c_str());
        INFO("husk " << s.pid);
        CHECK(s.seccomp == "2");  // SECCOMP_MODE_FILTER
        CHECK(s.nnp == "1");
        CHECK(s.cap_eff == "0000000000000000");
        CHECK(s.kernel_pages.empty());  // no [vdso], [vvar] or Linux [stack]
    }
    CHECK(all_gone(husks, 2.0));
}
