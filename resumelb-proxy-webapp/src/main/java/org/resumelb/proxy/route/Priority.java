package org.resumelb.proxy.route;

import java.util.Locale;

/**
 * A request's priority class for admission ({@link AdmissionQueue}): a free
 * slot goes to a waiting {@link #HIGH} request before any {@link #NORMAL} one,
 * and only {@code HIGH} requests may take the {@code reservedBacklog} slots of
 * a worker. Which requests are high is the setting {@code priority}
 * ({@link PriorityRule}); without it every request is {@code NORMAL}.
 */
public enum Priority {
    NORMAL, HIGH;

    /** The top class: the one that may use reserved slots. */
    public static final Priority TOP = HIGH;

    /** Lower case, as in metrics labels and the status page. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this is the {@link #TOP} class. */
    public boolean top() {
        return this == TOP;
    }
}
