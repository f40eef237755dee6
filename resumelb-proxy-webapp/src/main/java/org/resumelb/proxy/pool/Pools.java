package org.resumelb.proxy.pool;

import java.util.List;
import java.util.Objects;

/** Builds a {@link Pool} by policy name. */
public final class Pools {

    /** The accepted policy names; "resume" first, the default. */
    public static final List<String> POLICIES =
            List.of(ResumePool.POLICY, RoundRobinPool.POLICY, LeastBacklogPool.POLICY,
                    ConsistentHashPool.POLICY);

    private Pools() {
    }

    /**
     * A new, empty pool of the named policy.
     *
     * @throws IllegalArgumentException naming the accepted policies, for an unknown one
     */
    public static Pool create(String policy, PoolSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (policy != null) {
            switch (policy) {
                case ResumePool.POLICY:
                    return new ResumePool(settings);
                case RoundRobinPool.POLICY:
                    return new RoundRobinPool(settings);
                case LeastBacklogPool.POLICY:
                    return new LeastBacklogPool(settings);
                case ConsistentHashPool.POLICY:
                    return new ConsistentHashPool(settings);
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("Unknown pool policy '" + policy
                + "': accepted policies are " + String.join(", ", POLICIES));
    }
}
