package org.resumelb.proxy.route;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One waiting request's place, in the {@link WaitingRoom} (no worker at all)
 * or the {@link AdmissionQueue} (every worker at its limit): it ends exactly
 * once, admitted, turned away (its timeout, or the load balancer stops) or
 * cancelled (its client went away). Whoever {@link #claim}s it first decides;
 * the claim also stops its timer. What each end does is the holder's
 * ({@link #cancel}, {@link #expire}).
 *
 * <p>Thread-safe: one atomic flag settles races between an admission, the
 * timer and a cancel; the timer's handle is volatile.
 */
public abstract class WaitTicket {

    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile ScheduledFuture<?> timeout;

    /** The client went away: the request leaves without a callback. Returns false when it had already ended. */
    public abstract boolean cancel();

    /** The timeout passed (the timer's thread). */
    abstract void expire();

    /** Calls {@link #expire} after {@code after} on {@code timer}, unless the ticket is claimed first. */
    final void expireAfter(ScheduledExecutorService timer, Duration after) {
        timeout = timer.schedule(this::expire, after.toNanos(), TimeUnit.NANOSECONDS);
        if (settled.get()) {
            timeout.cancel(false); // claimed meanwhile: no timer left behind
        }
    }

    /** Takes the ticket's one end for the caller and stops its timer; false when another end has it. */
    final boolean claim() {
        if (settled.compareAndSet(false, true)) {
            ScheduledFuture<?> f = timeout;
            if (f != null) {
                f.cancel(false);
            }
            return true;
        }
        return false;
    }

    /** Whether the ticket has ended (or is ending). */
    final boolean settled() {
        return settled.get();
    }
}
