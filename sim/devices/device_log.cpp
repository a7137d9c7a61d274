// Finds or creates the "devices" spdlog logger.
#include "sim/devices/device_log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace helios::sim {

spdlog::logger& device_log()
{
    // Looked up every time so that a logger the simulator registers later
    // (with its own level) takes effect; the registry lookup is cheap and
    // the devices log only on rare events.
    if (auto logger = spdlog::get("devices")) {
        return *logger;
    }
    return *spdlog::stderr_color_mt("devices");
}

}  // namespace helios::sim
