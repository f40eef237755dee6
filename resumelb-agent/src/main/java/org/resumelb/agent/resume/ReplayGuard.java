package org.resumelb.agent.resume;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Refuses replayed and stale résumés: a résumé is admitted only when its
 * {@code sentAt} is within {@code maxSkew} of our clock and its {@code seq} is
 * higher than any admitted before for its {@code id}.
 *
 * <p>Memory is bounded to {@code maxIds} ids: beyond that the least recently
 * admitted id is forgotten. A replay of a forgotten id is still refused by
 * the skew window unless it is younger than {@code maxSkew}; ids are forgotten
 * only when more than {@code maxIds} workers pushed since, which a deployment
 * sizes away (the default is far above any pool).
 *
 * <p><b>Concurrency contract.</b> {@link #admit} checks and records under one
 * lock, so of two concurrent résumés with the same id and seq exactly one is
 * admitted. The critical section is a map lookup and an insert.
 */
public final class ReplayGuard {

    private final long maxSkewMillis;
    private final int maxIds;
    private final Clock clock;
    private final LinkedHashMap<String, Long> lastSeq;

    public ReplayGuard(Duration maxSkew, int maxIds, Clock clock) {
        this.maxSkewMillis = maxSkew.toMillis();
        this.maxIds = maxIds;
        this.clock = clock;
        this.lastSeq = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** Admits the résumé or throws STALE or REPLAYED; an admitted seq is recorded atomically. */
    public void admit(Resume r) throws ResumeException {
        long now = clock.millis();
        long skew = r.sentAt() - now;
        if (Math.abs(skew) > maxSkewMillis) {
            throw new ResumeException(ResumeException.Reason.STALE, "sentAt " + r.sentAt() + " is " + Math.abs(skew) + " ms "
                    + (skew < 0 ? "in the past" : "in the future") + ", outside maxSkew " + maxSkewMillis + " ms");
        }
        synchronized (lastSeq) {
            Long last = lastSeq.get(r.id());
            if (last != null && r.seq() <= last) {
                throw new ResumeException(ResumeException.Reason.REPLAYED,
                        "seq " + r.seq() + " already seen for id " + ResumeException.quote(r.id()) + " (last " + last + ")");
            }
            lastSeq.put(r.id(), r.seq());
            if (lastSeq.size() > maxIds) {
                Iterator<Map.Entry<String, Long>> eldest = lastSeq.entrySet().iterator();
                eldest.next();
                eldest.remove();
            }
        }
    }

    public void forget(String id) {
        synchronized (lastSeq) {
            lastSeq.remove(id);
        }
    }

    public int size() {
        synchronized (lastSeq) {
            return lastSeq.size();
        }
    }
}
