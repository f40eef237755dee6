package org.resumelb.agent.resume;

import java.util.Map;
import java.util.Objects;

/**
 * A worker's résumé (wire protocol version
 * {@link org.resumelb.agent.protocol.Protocol#VERSION}, docs/protocol.md): what it is good at,
 * as requests per second per request class, plus who it is, how much of the
 * load it should take and whether it is draining. Immutable; {@code skills} is
 * an unmodifiable copy.
 *
 * @param worker   base URL the load balancer forwards to (http or https)
 * @param id       one per worker process start
 * @param version  the application version the worker reports, or null
 * @param seq      strictly increasing per {@code id}
 * @param sentAt   when it was sent, milliseconds since the epoch
 * @param draining true when the worker is shutting down
 * @param skills   request class to requests per second
 * @param weight   the worker's share of the load relative to the others ({@link #DEFAULT_WEIGHT} for
 *                 an ordinary worker, 3 for one that should take three times as much), from
 *                 {@link #MIN_WEIGHT} to {@link #MAX_WEIGHT}
 * @param classifier the fingerprint of the classifier the skills were learned under
 *     ({@link org.resumelb.agent.protocol.Protocol#CLASSIFIER_HEADER}), or null when unknown
 * @throws IllegalArgumentException for a weight out of that range (or not a number)
 */
public record Resume(String worker, String id, String version, long seq, long sentAt, boolean draining,
                     Map<String, Double> skills, double weight, String classifier) {

    /** The weight of a worker whose résumé has none: every worker alike. */
    public static final double DEFAULT_WEIGHT = 1.0;
    /** The smallest weight a résumé may carry. */
    public static final double MIN_WEIGHT = 0.01;
    /** The largest weight a résumé may carry. */
    public static final double MAX_WEIGHT = 1000.0;
    /** The weights a résumé may carry, in the words of an error message. */
    public static final String WEIGHTS = "a number from " + MIN_WEIGHT + " to " + MAX_WEIGHT;

    public Resume {
        Objects.requireNonNull(skills, "skills");
        checkWeight(weight);
        skills = Map.copyOf(skills);
    }

    /** A résumé of weight {@link #DEFAULT_WEIGHT} that names no classifier. */
    public Resume(String worker, String id, String version, long seq, long sentAt, boolean draining, Map<String, Double> skills) {
        this(worker, id, version, seq, sentAt, draining, skills, DEFAULT_WEIGHT, null);
    }

    /** A résumé that names no classifier. */
    public Resume(String worker, String id, String version, long seq, long sentAt, boolean draining, Map<String, Double> skills,
                  double weight) {
        this(worker, id, version, seq, sentAt, draining, skills, weight, null);
    }

    /** A résumé of weight {@link #DEFAULT_WEIGHT}. */
    public Resume(String worker, String id, String version, long seq, long sentAt, boolean draining, Map<String, Double> skills,
                  String classifier) {
        this(worker, id, version, seq, sentAt, draining, skills, DEFAULT_WEIGHT, classifier);
    }

    /** This résumé without its skills (the same worker, knowing nothing). */
    public Resume withoutSkills() {
        return new Resume(worker, id, version, seq, sentAt, draining, Map.of(), weight, classifier);
    }

    /** Whether {@code weight} is one a résumé may carry: from {@link #MIN_WEIGHT} to {@link #MAX_WEIGHT} (NaN is not). */
    public static boolean validWeight(double weight) {
        return weight >= MIN_WEIGHT && weight <= MAX_WEIGHT;
    }

    /**
     * Returns {@code weight} when a résumé may carry it ({@link #validWeight}).
     *
     * @throws IllegalArgumentException naming the weight and {@link #WEIGHTS} otherwise
     */
    public static double checkWeight(double weight) {
        if (!validWeight(weight)) {
            throw new IllegalArgumentException("weight " + weight + " is not " + WEIGHTS);
        }
        return weight;
    }
}
