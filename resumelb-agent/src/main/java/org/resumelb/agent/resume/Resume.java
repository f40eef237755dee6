package org.resumelb.agent.resume;

import java.util.Map;
import java.util.Objects;

/**
 * A worker's résumé (wire protocol version
 * {@link org.resumelb.agent.protocol.Protocol#VERSION}, docs/protocol.md): what it is good at,
 * as requests per second per request class, plus who it is and whether it is
 * draining. Immutable; {@code skills} is an unmodifiable copy.
 *
 * @param worker   base URL the load balancer forwards to (http or https)
 * @param id       one per worker process start
 * @param version  the application version the worker reports, or null
 * @param seq      strictly increasing per {@code id}
 * @param sentAt   when it was sent, milliseconds since the epoch
 * @param draining true when the worker is shutting down
 * @param skills   request class to requests per second
 * @param classifier the fingerprint of the classifier the skills were learned under
 *     ({@link org.resumelb.agent.protocol.Protocol#CLASSIFIER_HEADER}), or null when unknown
 */
public record Resume(String worker, String id, String version, long seq, long sentAt, boolean draining,
                     Map<String, Double> skills, String classifier) {

    public Resume {
        Objects.requireNonNull(skills, "skills");
        skills = Map.copyOf(skills);
    }

    /** A résumé that names no classifier. */
    public Resume(String worker, String id, String version, long seq, long sentAt, boolean draining,
                  Map<String, Double> skills) {
        this(worker, id, version, seq, sentAt, draining, skills, null);
    }
}
