// Cyrus SASL (libsasl2-dev): the server API and its base64 helpers.
#include <sasl/sasl.h>
#include <sasl/saslutil.h>
