// Reads what the host kernel says about a process: state, threads, status fields, mappings, descendants.
#include "proc_probe.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace sectest {

namespace {

std::string proc_path(pid_t pid, const char* leaf) {
    return "/proc/" + std::to_string(pid) + "/" + leaf;
}

// The fields of /proc/PID/stat after the command (which may hold spaces):
// f[0] is field 3 (state), f[17] field 20 (num_threads).
std::vector<std::string> stat_fields(pid_t pid) {
    std::string text = systest::read_file(proc_path(pid, "stat"));
    std::vector<std::string> f;
    size_t close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) return f;
    std::istringstream rest(text.substr(close + 2));
    for (std::string w; rest >> w;) f.push_back(w);
    return f;
}

}  // namespace

char proc_state(pid_t pid) {
    std::vector<std::string> f = stat_fields(pid);
    return f.empty() ? 0 : f[0][0];
}

size_t proc_threads(pid_t pid) {
    std::vector<std::string> f = stat_fields(pid);
    return f.size() > 17 ? std::strtoull(f[17].c_str(), nullptr, 10) : 0;
}

std::string status_field(pid_t pid, const std::string& field) {
    std::istringstream in(systest::read_file(proc_path(pid, "status")));
    for (std::string line; std::getline(in, line);) {
        if (line.compare(0, field.size() + 1, field + ":") != 0) continue;
        size_t b = line.find_first_not_of(" \t", field.size() + 1);
        return b == std::string::npos ? "" : line.substr(b);
    }
    return "";
}

std::vector<Mapping> maps_of(pid_t pid) {
    std::vector<Mapping> out;
    std::istringstream in(systest::read_file(proc_path(pid, "maps")));
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string range, perms, offset, dev, inode, name;
        words >> range >> perms >> offset >> dev >> inode;
        std::getline(words >> std::ws, name);
        Mapping m;
        size_t dash = range.find('-');
        if (dash == std::string::npos) continue;
        m.start = std::strtoull(range.substr(0, dash).c_str(), nullptr, 16);
        m.end = std::strtoull(range.substr(dash + 1).c_str(), nullptr, 16);
        m.perms = perms;
        m.name = name;
        out.push_back(m);
    }
    return out;
}

std::vector<std::string> fds_of(pid_t pid) {
    std::vector<std::string> out;
    std::string dir = proc_path(pid, "fd");
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        char target[512];
        ssize_t n = readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
        target[n < 0 ? 0 : n] = '\0';
        out.push_back(std::string(e->d_name) + " -> " + target);
    }
    closedir(d);
    return out;
}

std::vector<Descendant> descendants_of(pid_t pid) {
    std::vector<Descendant> out;
    std::vector<pid_t> todo{pid};
    while (!todo.empty()) {
        pid_t parent = todo.back();
        todo.pop_back();
        for (const systest::ProcId& kid : systest::children_of(parent)) {
            out.push_back({kid, proc_threads(kid.pid)});
            todo.push_back(kid.pid);
        }
    }
    return out;
}

}  // namespace sectest
