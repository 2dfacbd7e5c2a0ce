// Interface-name handling shared by the TAP, AF_PACKET and link helpers.
#pragma once

#include <net/if.h>
#include <napi.h>

#include <string>

namespace wfpio {

// Copies `name` into ifr.ifr_name. Names longer than IFNAMSIZ-1 would be silently truncated by the kernel's
// fixed-size field (and then name some other device), so they are refused here with the errno the kernel uses for
// bad names, attributed to the ioctl the caller was about to make.
void CopyIfName(Napi::Env env, const char* op, const std::string& name, struct ifreq* ifr);

}  // namespace wfpio
