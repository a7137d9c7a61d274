// The spdlog logger of the device models ("devices").
#ifndef HELIOS_SIM_DEVICES_DEVICE_LOG_H
#define HELIOS_SIM_DEVICES_DEVICE_LOG_H

#include <spdlog/logger.h>

namespace helios::sim {

// The "devices" logger: the one registered under that name if the simulator
// has set one up (with its own sinks and level), else a stderr logger created
// and registered on first use. Never null. A simulator that wants its own
// "devices" logger registers it before the first device message (or drops
// ours first), since spdlog refuses duplicate names.
spdlog::logger& device_log();

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_DEVICE_LOG_H
