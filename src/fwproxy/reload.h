/* Reload off the event loop: a thread reads the configuration and builds
 * the new runtime (rules compiled, pages read) while the loop goes on
 * serving; the loop takes the result when the thread says it is done. The
 * same thread frees runtimes no one holds any more, which for a large
 * rule set takes as long as a part of the build. */
#ifndef FWPROXY_RELOAD_H
#define FWPROXY_RELOAD_H

#include <stddef.h>

#include "config.h"
#include "event.h"
#include "proxy.h"

struct reloader;

/* Called on the loop when a build ended, after each of its diagnostics
 * went to report (in file order): rt is the new runtime, owned by the
 * callee, or NULL when the configuration or its files had errors. */
typedef void reload_done_fn(void *arg, struct runtime *rt);

/* A reloader of config_path that reports through report(report_ctx) and
 * hands results to done(arg), both on loop. Returns NULL with a message
 * in err on failure. The build thread only reads files and allocates:
 * it touches nothing the loop uses. */
struct reloader *reloader_new(struct event_loop *loop, const char *config_path,
                              config_report_fn *report, void *report_ctx,
                              reload_done_fn *done, void *arg, char *err,
                              size_t errsize);

/* Starts a build. Asked while one runs, the next one starts when it ends:
 * any number of requests meanwhile make one more build, of the file as it
 * is then. */
void reloader_start(struct reloader *rl);

/* A runtime_dispose_fn (ctx the reloader): rt is freed by the thread. */
void reloader_dispose(void *ctx, struct runtime *rt);

/* Waits for a running job, frees what it built and every runtime handed
 * to reloader_dispose, then itself (NULL allowed). Call it after
 * runtime_set_disposer(NULL, NULL). */
void reloader_free(struct reloader *rl);

#endif
