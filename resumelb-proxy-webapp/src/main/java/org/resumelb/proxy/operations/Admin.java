package org.resumelb.proxy.operations;

import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.agent.protocol.Protocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import org.resumelb.agent.Log;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * Authenticated admin calls, signed with the secret of résumé pushes over the
 * method, the path and the body
 * ({@code X-ResumeLB-Signature: v1=<hex HMAC-SHA256(secret, "POST <path>\n" + body)>},
 * {@link #signed}), so a body signed for one call cannot be sent to another;
 * the body is a JSON object with {@code sentAt} (milliseconds, within
 * {@code maxSkew}) and a {@code nonce} (8 to 128 characters, never used before
 * within twice {@code maxSkew}), so a captured call cannot be played again.
 * (Résumé pushes sign the body alone: that is wire protocol v1.)
 *
 * <ul>
 * <li>{@code POST <prefix>/admin/settings} {@code {"settings":{"policy":"least-backlog","variance":2}}}:
 * changes run-time settings; validated as a whole, written to {@code settingsFile}
 * (when configured) before they apply; answers the settings in force.
 * <li>{@code POST <prefix>/admin/reset-skills} {@code {"worker":"http://..."}}
 * forgets that worker's skills, or every worker's without {@code worker}
 * (after a classifier change, old résumés would keep classes on the wrong workers).
 * </ul>
 *
 * <p><b>Concurrency contract.</b> Settings changes are serialized by this
 * object's monitor (validate, persist, apply, publish the new value), so two
 * concurrent calls never interleave their file writes or leave the pool with
 * the settings of one and the file with the other's. The settings in force are
 * published through a volatile field and read without a lock. The settings
 * node of ZooKeeper ({@link #fromNode}) takes the same path under the same
 * monitor, so an admin call and a node change never interleave either.
 */
public final class Admin {

    private static final Log LOG = Log.get(Admin.class);

    /** An answer: its status and a body (JSON for 200, a plain message otherwise). */
    public record Answer(int status, String body) {
        boolean ok() {
            return status == 200;
        }
    }

    private final byte[] secret;
    private final long maxSkewMillis;
    private final Clock clock;
    private final Cache<String, Boolean> nonces;
    private final SwitchablePool pool;
    private final WorkerDirectory directory;
    private final Path settingsFile;
    private volatile RuntimeSettings inForce;
    /** Written under the monitor only; read without a lock. */
    private volatile Change lastChange = Change.NONE;

    public Admin(byte[] secret, Duration maxSkew, Clock clock, SwitchablePool pool, WorkerDirectory directory,
                 Path settingsFile, RuntimeSettings initial) {
        this.secret = secret;
        this.maxSkewMillis = maxSkew.toMillis();
        this.clock = clock;
        this.nonces = Caffeine.newBuilder().expireAfterWrite(maxSkew.multipliedBy(2)).maximumSize(100_000).build();
        this.pool = pool;
        this.directory = directory;
        this.settingsFile = settingsFile;
        this.inForce = initial;
    }

    public RuntimeSettings inForce() {
        return inForce;
    }

    public Path settingsFile() {
        return settingsFile;
    }

    /**
     * The bytes an admin call's signature covers: {@code "POST " + path + "\n"}
     * in UTF-8, then the body's exact bytes.
     *
     * @param path the path of the call below the load balancer's context, {@code <prefix>/admin/<call>}
     *     ({@code /_resumelb/admin/settings}), without query
     */
    public static byte[] signed(String path, byte[] body) {
        byte[] head = ("POST " + path + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** The {@code X-ResumeLB-Signature} value of an admin call: {@code v1=} and the hex HMAC of {@link #signed}. */
    public static String sign(byte[] secret, String path, byte[] body) {
        return Protocol.sign(secret, signed(path, body));
    }

    /**
     * Handles one call.
     *
     * @param path the path the call was sent to, below the context ({@code <prefix>/admin/<call>}): it is signed
     * @param operation the call: "/settings" or "/reset-skills" (the path after {@code <prefix>/admin})
     */
    public Answer handle(String path, String operation, byte[] body, String signature) {
        if (secret == null) {
            return new Answer(403, "admin calls are signed with the load balancer's secret, and this one has none: set 'secret' or 'secretFile'");
        }
        if (!Protocol.verify(secret, signed(path, body), signature)) {
            return new Answer(401, "admin calls need a valid " + Protocol.SIGNATURE_HEADER + " header: v1=<hex HMAC-SHA256(secret, \"POST "
                    + path + "\\n\" + body)>, over this call's path and its exact body");
        }
        Map<String, Object> call;
        try {
            call = RuntimeSettings.readObject(body);
        } catch (IllegalArgumentException e) {
            return new Answer(400, "admin call body: " + e.getMessage());
        }
        Answer fresh = checkFresh(call);
        if (fresh != null) {
            return fresh;
        }
        return switch (operation) {
            case "/settings" -> settings(call);
            case "/reset-skills" -> resetSkills(call);
            default -> new Answer(404, "no such admin call: " + operation + " (there are /settings and /reset-skills)");
        };
    }

    private Answer checkFresh(Map<String, Object> call) {
        if (!(call.get("sentAt") instanceof Number sentAt) || sentAt.doubleValue() != Math.rint(sentAt.doubleValue())) {
            return new Answer(400, "admin call body: 'sentAt' (milliseconds since the epoch) is required");
        }
        long skew = sentAt.longValue() - clock.millis();
        if (Math.abs(skew) > maxSkewMillis) {
            return new Answer(409, "admin call sentAt is " + Math.abs(skew) + " ms " + (skew < 0 ? "in the past" : "in the future")
                    + ", outside maxSkew " + maxSkewMillis + " ms");
        }
        if (!(call.get("nonce") instanceof String nonce) || nonce.length() < 8 || nonce.length() > 128) {
            return new Answer(400, "admin call body: 'nonce' (a string of 8 to 128 characters, unique per call) is required");
        }
        if (nonces.asMap().putIfAbsent(nonce, Boolean.TRUE) != null) {
            return new Answer(409, "admin call replayed: nonce already used");
        }
        return null;
    }

    private Answer settings(Map<String, Object> call) {
        if (!(call.get("settings") instanceof Map<?, ?> raw) || raw.isEmpty()) {
            return new Answer(400, "admin call body: 'settings' (an object of the settings to change: "
                    + String.join(", ", RuntimeSettings.NAMES) + ") is required");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> changes = (Map<String, Object>) raw;
        return change(changes, "an admin call");
    }

    /**
     * Applies the settings node's content ({@code source} names it: "ZooKeeper node /resumelb/settings"),
     * a JSON object of run-time settings in the format of {@code settingsFile}, through the same
     * validation, persistence and application as an admin call: one bad value changes nothing, and
     * the refusal is logged with the message an admin call would answer. The node itself is never written.
     */
    public Answer fromNode(byte[] body, String source) {
        Map<String, Object> changes;
        try {
            changes = RuntimeSettings.readObject(body);
        } catch (IllegalArgumentException e) {
            return refused(source, new Answer(400, "settings node: " + e.getMessage()));
        }
        if (changes.isEmpty()) {
            return new Answer(200, new String(inForce.toJson(), StandardCharsets.UTF_8));
        }
        Answer answer = change(changes, source);
        return answer.ok() ? answer : refused(source, answer);
    }

    private synchronized Answer refused(String source, Answer answer) {
        lastChange = new Change(lastChange.source(), lastChange.atMillis(), source + ": " + answer.body(), clock.millis());
        LOG.error("ResumeLB refused the run-time settings of {} (nothing changed): {}", source, answer.body());
        return answer;
    }

    /**
     * The last change of the run-time settings (its source and time, 0 before any) and the last refusal
     * of the settings node (null when none; its time, 0 when none). Immutable.
     */
    public record Change(String source, long atMillis, String lastError, long errorAtMillis) {
        static final Change NONE = new Change(null, 0, null, 0);
    }

    /** The last change applied and the last refusal of the settings node; see {@link Change}. */
    public Change lastChange() {
        return lastChange;
    }

    /** Validates, persists and applies {@code changes} as one, under the monitor. */
    private Answer change(Map<String, Object> changes, String source) {
        synchronized (this) {
            RuntimeSettings next;
            try {
                next = inForce.with(changes);
            } catch (IllegalArgumentException e) {
                return new Answer(400, e.getMessage());
            }
            if (settingsFile != null) {
                try {
                    next.save(settingsFile);
                } catch (IOException e) {
                    LOG.error("ResumeLB could not save run-time settings to {}: {}", settingsFile, e.toString());
                    return new Answer(500, "settings not changed: could not write settingsFile " + settingsFile + ": " + e);
                }
            }
            apply(next);
            lastChange = new Change(source, clock.millis(), lastChange.lastError(), lastChange.errorAtMillis());
            LOG.warn("ResumeLB run-time settings changed by {}: {}{}", source, next.asMap(),
                    settingsFile == null ? " (not persisted: no settingsFile)" : " (saved to " + settingsFile + ")");
            return new Answer(200, new String(next.toJson(), StandardCharsets.UTF_8));
        }
    }

    /** Monitor held. Applies settings to the pool, then publishes them. */
    private void apply(RuntimeSettings next) {
        pool.settings(next.pool());
        pool.switchTo(next.policy());
        inForce = next;
    }

    private Answer resetSkills(Map<String, Object> call) {
        Object worker = call.get("worker");
        if (worker == null) {
            int n = directory.resetAllSkills();
            LOG.warn("ResumeLB skills of all {} workers reset by an admin call", n);
            return new Answer(200, "{\"reset\":" + n + "}\n");
        }
        if (!(worker instanceof String url)) {
            return new Answer(400, "admin call body: 'worker' must be a worker URL string");
        }
        if (!directory.resetSkills(url)) {
            return new Answer(404, "no live worker " + url);
        }
        LOG.warn("ResumeLB skills of worker {} reset by an admin call", url);
        return new Answer(200, "{\"reset\":1}\n");
    }
}
