package org.resumelb.proxy.membership;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.resumelb.agent.Log;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeException;

/**
 * The receiving end of résumé pushes ({@code POST /_resumelb/resumes}),
 * without the servlet around it: the signature is verified first, then the
 * document is parsed and validated, then replay and staleness are checked and
 * the pool updated by the {@link WorkerDirectory}. Any rejection leaves the
 * pool exactly as it was. Answers follow docs/protocol.md: 204 accepted, 400
 * malformed or invalid, 401 missing or wrong signature (or no secret
 * configured), 409 replayed or stale, 413 too large.
 *
 * <p>Thread-safe: immutable apart from counters.
 */
public final class ResumeReceiver {

    private static final Log LOG = Log.get(ResumeReceiver.class);

    /** An answer to a push. */
    public record Answer(int status, String reason, String message) {
        static final Answer ACCEPTED = new Answer(204, "accepted", null);
    }

    private final ResumeCodec codec;
    private final byte[] secret;
    private final boolean insecure;
    private final WorkerDirectory directory;
    private static final long WARNING_INTERVAL_NANOS = 10_000_000_000L;

    private final LongAdder accepted = new LongAdder();
    private final java.util.concurrent.atomic.AtomicLong lastWarning = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - WARNING_INTERVAL_NANOS - 1);
    private final ConcurrentHashMap<String, LongAdder> rejected = new ConcurrentHashMap<>();

    public ResumeReceiver(ResumeCodec codec, byte[] secret, boolean insecure, WorkerDirectory directory) {
        this.codec = codec;
        this.secret = secret;
        this.insecure = insecure;
        this.directory = directory;
    }

    public int maxBodyBytes() {
        return codec.limits().maxBodyBytes();
    }

    /** Handles one pushed body and its signature header (may be null). */
    public Answer receive(byte[] body, String signature) {
        if (secret == null && !insecure) {
            return reject("no-secret", 401, "this load balancer accepts no pushes: it has no secret configured");
        }
        try {
            Resume resume = codec.verifyAndDecode(secret, body, signature);
            directory.accept(resume);
            accepted.increment();
            return Answer.ACCEPTED;
        } catch (ResumeException e) {
            return reject(e.reason().name().toLowerCase(java.util.Locale.ROOT), e.status(), e.getMessage());
        }
    }

    /** A body refused before it was read whole (its declared length is too large). */
    public Answer tooLarge(long length) {
        return reject("too_large", 413, "body of " + length + " bytes exceeds maxBodyBytes " + maxBodyBytes());
    }

    private Answer reject(String reason, int status, String message) {
        rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last > WARNING_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            // At most one line per interval: a flood of bad pushes must not flood the log.
            LOG.warn("ResumeLB rejected a résumé push ({}): {} (rejections so far: {})", status, message, rejected());
        } else {
            LOG.debug("ResumeLB rejected a résumé push ({}): {}", status, message);
        }
        return new Answer(status, reason, message);
    }

    public long accepted() {
        return accepted.sum();
    }

    /** Rejected pushes by reason. */
    public java.util.Map<String, Long> rejected() {
        java.util.Map<String, Long> counts = new java.util.TreeMap<>();
        rejected.forEach((k, v) -> counts.put(k, v.sum()));
        return counts;
    }
}
