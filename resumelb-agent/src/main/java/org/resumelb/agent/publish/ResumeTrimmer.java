package org.resumelb.agent.publish;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/**
 * Makes a résumé fit the load balancer's limits ({@link ResumeLimits}: classes
 * per résumé, class name length, body size) before it is sent, keeping the
 * best classes: a load balancer refuses a résumé over its limits as a whole
 * (400 or 413), and a worker whose every push is refused expires from the pool.
 *
 * <p>What is dropped, in this order: classes whose name the load balancer would
 * refuse (empty, longer than {@code maxClassNameLength}, a control character or
 * a lone surrogate) or whose score is not finite and non-negative; then, the
 * remaining classes ordered by score, highest first (ties by name), all beyond
 * {@code maxClasses}; then, from the lowest-scored end, as many as needed for
 * the encoded body to fit {@code maxBodyBytes}. The body is always encoded by
 * the codec itself, so a fitted résumé is one that the codec's
 * {@link ResumeCodec#decode} accepts (given a valid worker URL and id).
 *
 * <p>A résumé within the limits is returned as it is, encoded once. Stateless
 * apart from the codec; thread-safe.
 */
public final class ResumeTrimmer {

    /** Bounds the corrections after the first size estimate (each one re-encodes). */
    private static final int MAX_SIZE_ROUNDS = 32;
    /** Most bytes a score takes in JSON ({@code -1.2345678901234567E-308}), plus slack. */
    private static final int MAX_SCORE_CHARS = 26;

    /**
     * A résumé that fits, with its encoded body.
     *
     * @param resume          the résumé to send (the input itself when nothing was dropped)
     * @param body            its encoding, at most {@code maxBodyBytes}
     * @param classesBefore   classes in the input
     * @param droppedInvalid  classes dropped for a name or score the load balancer refuses
     * @param droppedForCount classes dropped beyond {@code maxClasses}
     * @param droppedForSize  classes dropped for the body to fit {@code maxBodyBytes}
     */
    public record Fitted(Resume resume, byte[] body, int classesBefore, int droppedInvalid, int droppedForCount, int droppedForSize) {

        /** Whether any class was dropped. */
        public boolean trimmed() {
            return droppedInvalid + droppedForCount + droppedForSize > 0;
        }

        /** Classes sent. */
        public int classesKept() {
            return resume.skills().size();
        }
    }

    private final ResumeCodec codec;
    private final ResumeLimits limits;

    public ResumeTrimmer(ResumeCodec codec) {
        this.codec = codec;
        this.limits = codec.limits();
    }

    public ResumeLimits limits() {
        return limits;
    }

    /** The résumé, trimmed if it must be, and its body. */
    public Fitted fit(Resume r) {
        Map<String, Double> skills = r.skills();
        int before = skills.size();
        boolean allValid = true;
        for (Map.Entry<String, Double> e : skills.entrySet()) {
            if (!valid(e.getKey(), e.getValue())) {
                allValid = false;
                break;
            }
        }
        if (allValid && before <= limits.maxClasses()) {
            byte[] body = codec.encode(r);
            if (body.length <= limits.maxBodyBytes()) {
                return new Fitted(r, body, before, 0, 0, 0);
            }
        }
        List<Map.Entry<String, Double>> ranked = new ArrayList<>(before);
        for (Map.Entry<String, Double> e : skills.entrySet()) {
            if (valid(e.getKey(), e.getValue())) {
                ranked.add(e);
            }
        }
        int droppedInvalid = before - ranked.size();
        ranked.sort(Comparator.<Map.Entry<String, Double>>comparingDouble(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        int kept = Math.min(ranked.size(), limits.maxClasses());
        int droppedForCount = ranked.size() - kept;
        Resume candidate = with(r, ranked, kept);
        byte[] body = codec.encode(candidate);
        if (body.length > limits.maxBodyBytes()) {
            // Estimate what each class costs (a little from above), take the longest prefix that fits by that estimate,
            // then let the codec's real encoding have the last word.
            long[] cost = new long[kept];
            for (int i = 0; i < kept; i++) {
                cost[i] = jsonBytes(ranked.get(i).getKey()) + 4 + Math.min(MAX_SCORE_CHARS, Double.toString(ranked.get(i).getValue()).length() + 2);
            }
            long budget = (long) limits.maxBodyBytes() - codec.encode(with(r, ranked, 0)).length;
            int fits = 0;
            for (long used = 0; fits < kept && used + cost[fits] <= budget; fits++) {
                used += cost[fits];
            }
            candidate = with(r, ranked, fits);
            body = codec.encode(candidate);
            for (int round = 0; body.length > limits.maxBodyBytes() && fits > 0 && round < MAX_SIZE_ROUNDS; round++) {
                long over = body.length - (long) limits.maxBodyBytes();
                for (long freed = 0; fits > 0 && freed < over; ) {
                    freed += cost[--fits];
                }
                candidate = with(r, ranked, fits);
                body = codec.encode(candidate);
            }
            if (body.length > limits.maxBodyBytes()) {
                // Not even an empty résumé fits (a worker URL or id near the limits): send no class at all.
                fits = 0;
                candidate = with(r, ranked, 0);
                body = codec.encode(candidate);
            }
            return new Fitted(candidate, body, before, droppedInvalid, droppedForCount, kept - fits);
        }
        return new Fitted(candidate, body, before, droppedInvalid, droppedForCount, 0);
    }

    private static Resume with(Resume r, List<Map.Entry<String, Double>> ranked, int n) {
        Map<String, Double> skills = new LinkedHashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            Map.Entry<String, Double> e = ranked.get(i);
            skills.put(e.getKey(), e.getValue());
        }
        return new Resume(r.worker(), r.id(), r.version(), r.seq(), r.sentAt(), r.draining(), skills, r.weight(), r.classifier());
    }

    /** Whether the load balancer accepts this class name and score (ResumeCodec's rules). */
    boolean valid(String name, Double score) {
        if (name == null || name.isEmpty() || name.length() > limits.maxClassNameLength()) {
            return false;
        }
        if (score == null || !Double.isFinite(score) || score < 0) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= name.length() || !Character.isLowSurrogate(name.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** The bytes a (valid) class name takes inside a JSON string: UTF-8, with {@code "} and {@code \} escaped. */
    static long jsonBytes(String name) {
        long n = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                n += 2;
            } else if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
