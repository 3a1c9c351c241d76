#ifndef CCURL_H
#define CCURL_H

// Typed, non-variadic wrappers over libcurl, for Swift (which cannot call C variadic functions).
// Only the CurlClient target uses this module.

#include <curl/curl.h>

/// A libcurl data callback (write, header and read functions share this shape).
typedef size_t (*ccurl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_callback(CURL *handle, CURLoption option, ccurl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_getinfo_pointer(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// The result of a finished transfer (CURLMsg's `data` is a union).
static inline CURLcode ccurl_message_result(const CURLMsg *message) {
    return message->data.result;
}

/// Whether this CURLMsg says a transfer is done.
static inline int ccurl_message_is_done(const CURLMsg *message) {
    return message->msg == CURLMSG_DONE;
}

/// libcurl's error buffer size, for CURLOPT_ERRORBUFFER.
static inline int ccurl_error_size(void) { return CURL_ERROR_SIZE; }

#endif
