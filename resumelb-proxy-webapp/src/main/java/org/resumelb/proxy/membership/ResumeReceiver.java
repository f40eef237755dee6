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
 * document is parsed and validated, then its worker URL is checked against
 * {@code workerAllow} ({@link WorkerAllow}), then the bound on live workers,
 * replay and staleness are checked and the pool updated by the
 * {@link WorkerDirectory}. Any rejection leaves the pool exactly as it was.
 * Answers follow docs/protocol.md: 204 accepted, 400 malformed or invalid, 401
 * missing or wrong signature (or no secret configured), 403 worker URL not
 * allowed ({@code worker_not_allowed}), 409 replayed or stale, 413 too large,
 * 429 {@code maxWorkers} live workers already ({@code too_many_workers}).
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
    private final WorkerAllow workerAllow;
    private static final long WARNING_INTERVAL_NANOS = 10_000_000_000L;

    private final LongAdder accepted = new LongAdder();
    private final java.util.concurrent.atomic.AtomicLong lastWarning = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - WARNING_INTERVAL_NANOS - 1);
    private final ConcurrentHashMap<String, LongAdder> rejected = new ConcurrentHashMap<>();

    public ResumeReceiver(ResumeCodec codec, byte[] secret, boolean insecure, WorkerDirectory directory) {
        this(codec, secret, insecure, directory, WorkerAllow.DEFAULT);
    }

    public ResumeReceiver(ResumeCodec codec, byte[] secret, boolean insecure, WorkerDirectory directory, WorkerAllow workerAllow) {
        this.codec = codec;
        this.secret = secret;
        this.insecure = insecure;
        this.directory = directory;
        this.workerAllow = workerAllow;
    }

    public int maxBodyBytes() {
        return codec.limits().maxBodyBytes();
    }

    /** {@link #receive(byte[], String, String, int)} of a push whose arrival address is unknown. */
    public Answer receive(byte[] body, String signature) {
        return receive(body, signature, null, -1);
    }

    /**
     * Handles one pushed body and its signature header (may be null).
     *
     * @param localAddress the address the push came in on ({@code getLocalAddr()}), null when unknown
     * @param localPort the port it came in on ({@code getLocalPort()}), -1 when unknown: a worker URL pointing
     *     there is this load balancer itself, and refused
     */
    public Answer receive(byte[] body, String signature, String localAddress, int localPort) {
        if (secret == null && !insecure) {
            return reject("no-secret", 401, "this load balancer accepts no pushes: it has no secret configured");
        }
        try {
            Resume resume = codec.verifyAndDecode(secret, body, signature);
            if (!resume.draining()) {
                String refused = workerAllow.check(java.net.URI.create(resume.worker()), localAddress, localPort);
                if (refused != null) {
                    return reject("worker_not_allowed", 403, "worker URL " + resume.worker() + " is not allowed: " + refused
                            + " (setting workerAllow)");
                }
            }
            directory.accept(resume);
            accepted.increment();
            return Answer.ACCEPTED;
        } catch (ResumeException e) {
            return reject(e.reason().name().toLowerCase(java.util.Locale.ROOT), e.status(), e.getMessage());
        } catch (WorkerDirectory.Full e) {
            return reject("too_many_workers", 429, e.getMessage());
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
