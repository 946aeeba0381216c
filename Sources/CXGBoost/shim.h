// XGBoost's C API (Debian: libxgboost-dev 1.7, headers in /usr/include/xgboost, the library
// as libxgboost.so). Debian's xgboost.pc names a wrong libdir, so the library is linked by
// name (`link "xgboost"` in module.modulemap) rather than through pkg-config.
#pragma once
#include <xgboost/c_api.h>
