// fuzz_manifest: the Mercury manifest parser (init's, and helios-manifest's)
// on any text: it never reads past it, and a refusal names a line and a problem.
#include "fuzz_bytes.h"
#include "manifest_parser.h"

#include <cstring>
#include <vector>

using namespace helios::lib;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<char> text(data, data + size);  // exact size, no terminator: ASan sees any overread
    Manifest manifest;
    ManifestError error;
    bool ok = parse_manifest(text.data(), text.size(), &manifest, &error);
    if (!ok && (error.message[0] == '\0' || !std::memchr(error.message, '\0', sizeof error.message)))
        helios::fuzz::finding("a refused manifest without a reason");
    if (ok) {
        if (manifest.cap_count > Manifest::kMaxCaps || manifest.service_count > Manifest::kMaxServices)
            helios::fuzz::finding("an accepted manifest beyond its bounds");
        if (manifest.radix == 0 || manifest.radix > Manifest::kMaxRadix) helios::fuzz::finding("radix out of range");
        for (size_t i = 0; i < manifest.cap_count; ++i)
            if (!manifest_cap_type_name(manifest.caps[i].type)) helios::fuzz::finding("a cap type without a name");
    }
    return 0;
}
