package org.resumelb.proxy.route;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Where requests wait, holding no thread, while the pool has no worker at all
 * (at start-up, or when every worker left): each {@link Guest} is admitted,
 * in arrival order, as soon as a worker joins ({@link #open}), or turned away
 * after {@code timeout}. At most {@code capacity} wait; a guest beyond that,
 * or any guest when the timeout is zero, is refused at the door.
 *
 * <p>Every guest ends exactly once: admitted, turned away (timeout or
 * {@link #close}), or cancelled (its client went away). One atomic claim per
 * ticket ({@link WaitTicket}) settles races between a join, a timeout and a
 * cancel. When workers are there but all at their limit ({@code maxBacklog}),
 * requests wait in the {@link AdmissionQueue} instead.
 *
 * <p><b>Concurrency contract.</b> Thread-safe and lock-free: a concurrent
 * queue, an atomic count, one atomic flag per ticket. Guests' callbacks run
 * on the thread that settles them (a résumé's thread on a join, the timer on
 * a timeout) and must be quick: the servlet's dispatch or a short page.
 * {@code enter} re-checks {@code workersAvailable} after queueing, so a worker
 * that joins between the caller's check and the queueing is never missed.
 */
public final class WaitingRoom implements AutoCloseable {

    /** A waiting request, as the servlet adapts it. */
    public interface Guest {
        /** A worker is there: route the request now. */
        void admit();

        /** No worker came in time, or the load balancer stops: answer 503. */
        void turnAway();
    }

    private final Duration timeout;
    private final int capacity;
    private final ScheduledExecutorService timer;
    private final BooleanSupplier workersAvailable;
    private final ConcurrentLinkedQueue<Ticket> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile boolean closed;

    public WaitingRoom(Duration timeout, int capacity, ScheduledExecutorService timer, BooleanSupplier workersAvailable) {
        this.timeout = timeout;
        this.capacity = capacity;
        this.timer = timer;
        this.workersAvailable = workersAvailable;
    }

    /**
     * Lets a guest wait. Returns its ticket, or null when it is refused at the
     * door (zero timeout, room full, closed): the caller answers 503 at once.
     */
    public Ticket enter(Guest guest) {
        if (closed || timeout.isZero()) {
            return null;
        }
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            return null;
        }
        Ticket ticket = new Ticket(guest);
        queue.add(ticket);
        ticket.expireAfter(timer, timeout);
        if (workersAvailable.getAsBoolean()) {
            open();
        }
        if (closed) {
            close();
        }
        return ticket;
    }

    /** A worker joined: admits every guest, first come first served. */
    public void open() {
        Ticket t;
        while ((t = queue.poll()) != null) {
            if (t.claimOne()) {
                t.guest.admit();
            }
        }
    }

    /** Guests waiting now. */
    public int waiting() {
        return waiting.get();
    }

    /** Turns every guest away; later guests are refused at the door. */
    @Override
    public void close() {
        closed = true;
        Ticket t;
        while ((t = queue.poll()) != null) {
            if (t.claimOne()) {
                t.guest.turnAway();
            }
        }
    }

    /** One guest's place in the room. */
    public final class Ticket extends WaitTicket {
        private final Guest guest;

        private Ticket(Guest guest) {
            this.guest = guest;
        }

        /** The client went away: the guest leaves without a callback. Returns false if it was already settled. */
        @Override
        public boolean cancel() {
            if (claimOne()) {
                queue.remove(this);
                return true;
            }
            return false;
        }

        @Override
        void expire() {
            if (claimOne()) {
                queue.remove(this);
                guest.turnAway();
            }
        }

        private boolean claimOne() {
            if (claim()) {
                waiting.decrementAndGet();
                return true;
            }
            return false;
        }
    }
}
