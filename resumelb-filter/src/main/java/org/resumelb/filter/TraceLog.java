package org.resumelb.filter;

import java.time.LocalDateTime;
import java.util.concurrent.atomic.AtomicLong;

import org.resumelb.agent.Log;

/**
 * Per-request trace records, as zc.resumelb's tracelog: one line per event,
 * {@code <code> <request number> <time> [<detail>]}, with the codes
 * B (begin: method and URL, class), I (input: content length), C (application
 * called), A (response: status), E (end: elapsed seconds). Written at INFO to
 * the logger named by the {@code traceLogger} setting; off when unset.
 * Thread-safe: request numbers come from an atomic counter.
 */
final class TraceLog {

    private final Log log;
    private final AtomicLong requests = new AtomicLong();

    TraceLog(String loggerName) {
        this.log = Log.get(loggerName);
    }

    long begin(String method, String url, String requestClass) {
        long trno = requests.incrementAndGet();
        record('B', trno, method + " " + url + " " + requestClass);
        return trno;
    }

    void record(char code, long trno, Object detail) {
        if (log.isInfoEnabled()) {
            if (detail == null) {
                log.info("{} {} {}", code, trno, LocalDateTime.now());
            } else {
                log.info("{} {} {} {}", code, trno, LocalDateTime.now(), detail);
            }
        }
    }
}
