// Task accessors for its embedded capabilities.
#include "objects/task.h"

#include "objects/cspace.h"
#include "objects/endpoint.h"
#include "objects/paging.h"

namespace helios {

CSpace* Task::cspace() const { return static_cast<CSpace*>(cspace_slot.object); }
VSpace* Task::vspace() const { return static_cast<VSpace*>(vspace_slot.object); }
Endpoint* Task::fault_endpoint() const { return static_cast<Endpoint*>(fault_slot.object); }

}  // namespace helios
