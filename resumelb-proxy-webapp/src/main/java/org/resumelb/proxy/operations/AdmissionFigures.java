package org.resumelb.proxy.operations;

import java.util.List;

/**
 * What the admission queue ({@code route.AdmissionQueue}, on with
 * {@code maxBacklog}) shows to metrics and the status page, by priority class
 * and outcome labels. Implementations are thread-safe and cheap to read.
 */
public interface AdmissionFigures {

    /** The priority classes, lowest first ({@code normal}, {@code high}). */
    List<String> priorities();

    /**
     * The outcomes counted: {@code admitted} (a worker had room at once),
     * {@code dequeued} (admitted after waiting), {@code too_many_queued} (429:
     * the user had {@code maxQueuedPerUser} requests waiting),
     * {@code queue_full} (503: {@code maxQueued} requests were waiting),
     * {@code timed_out} (503: waited {@code queueTimeout}), {@code cancelled}
     * (the client went away while waiting).
     */
    List<String> outcomes();

    /** Requests of a priority class that ended their admission with an outcome, since start. */
    long count(String priority, String outcome);

    /** Requests of a priority class waiting for a worker to have room now. */
    int queued(String priority);

    /** Users with requests in flight or waiting now (the queue's memory). */
    int users();
}
