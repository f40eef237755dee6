package org.resumelb.proxy.route;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLongArray;

import org.resumelb.agent.Log;
import org.resumelb.proxy.operations.AdmissionFigures;

/**
 * Admission with a per-worker limit ({@code maxBacklog}): a request that no
 * worker may take now (every one at its limit, see
 * {@link org.resumelb.proxy.pool.Pool#acquire(String, boolean, org.resumelb.proxy.pool.Pool.Acquired)})
 * waits here, holding no thread, and is admitted with a {@link Lease} when a
 * slot frees, in an order fair between users:
 *
 * <ol>
 * <li>the highest {@link Priority} class with a waiting request first;
 * <li>within a class, the user ({@link UserKey}) with the fewest requests in
 * flight;
 * <li>among users with as many, the one whose turn is oldest: a user's turn is
 * when it began to wait, renewed each time one of its requests is admitted
 * (so equal users take turns, round robin);
 * <li>a user's own requests of a class in arrival order.
 * </ol>
 *
 * Which worker an admitted request gets is the pool's choice, as for any
 * other ({@link Seats}); a request is admitted at once, without waiting, when
 * nobody of its class or a higher one waits and the pool takes it. A user may
 * have at most {@code maxQueuedPerUser} requests waiting (with a
 * {@code userKey}; beyond, {@link Refusal#TOO_MANY_QUEUED}: 429), all users
 * together {@code maxQueued} ({@link Refusal#QUEUE_FULL}: 503); a request that
 * waited {@code queueTimeout} is turned away (503); one whose client goes away
 * leaves ({@link WaitTicket#cancel}). Slots are offered to waiting requests
 * ({@link #pump}) whenever a lease ends ({@link #ended}) and a worker joins.
 *
 * <p><b>User reserve</b> ({@code userReserve}, off unless set): the order
 * alone cannot help a user who arrives while every slot is busy, so a user
 * held back may not take the last {@code userReserve} free slots of the pool
 * (the pool refuses it, see
 * {@link org.resumelb.proxy.pool.Pool#acquire(String, boolean, int, org.resumelb.proxy.pool.Pool.Acquired)}),
 * and a user who comes usually finds one free. A user is held back while it
 * is backlogged (more of its requests wait than the one being admitted) and
 * has its fair share of the slots or more in flight: the pool's slots
 * ({@link Seats#slots}: workers × {@code maxBacklog}) over the users known
 * (with requests in flight or waiting) plus one, the next to come. So a user
 * with nothing in flight, or whose requests do not pile up (a light user's
 * second request), is never held back. The reserve holds even for a lone
 * backlogged user, so up to {@code userReserve} slots of the pool stay idle
 * while every waiting user is held back (a lone user above half the slots);
 * the rest goes to whoever waits, and a user below its share again takes
 * any free slot, so nobody starves. A held-back user does not keep one
 * behind it in the order, or of a lower class, from a free slot. A retry
 * (the request was admitted once) is not held back.
 *
 * <p>A user's requests in flight are counted from its lease's start to its
 * end (a retry's lease counts as the request's); a user is remembered only
 * while it has requests in flight or waiting, so memory is bounded by the
 * requests in flight plus those waiting.
 *
 * <p><b>Concurrency contract.</b> Thread-safe. One monitor guards the users,
 * their waiting requests and the order; under it the queue asks the pool for a
 * worker ({@link Seats#take}, the pool's own short lock nested inside, never
 * the other way round), so a slot that frees goes to the request the order
 * names and a request arriving meanwhile cannot take it first. Every
 * settlement of a waiting request (admission, timeout, cancel, close) claims
 * its {@link WaitTicket} under that monitor, so each ends exactly once. The
 * guests' callbacks ({@link Guest#admit}, {@link Guest#turnAway}) run after the
 * monitor is released, on the thread that settled them (the one that ended a
 * lease, the timer, a résumé's thread on a join), and must be quick. Nothing
 * under the monitor blocks. Admitting a request passes over the waiting users
 * held back before it (O(those) more). The user reserve is decided under that monitor
 * (from the users it guards and the pool's slots, read under it) and applied
 * by the pool under its own lock in the same call, so no request can take a
 * reserved slot between the decision and the taking. Ordering is a {@link TreeSet} per class: admission
 * and a change of a waiting user's requests in flight are O(log users).
 */
public final class AdmissionQueue implements AdmissionFigures, AutoCloseable {

    private static final Log LOG = Log.get(AdmissionQueue.class);

    /** A waiting request, as the servlet adapts it. */
    public interface Guest {
        /** A worker took the request: proxy it on {@code lease}, which the guest now owes an end. */
        void admit(Lease lease);

        /** It waited {@code queueTimeout}, or the load balancer stops: answer 503. */
        void turnAway();
    }

    /**
     * What admission knows of a request, decided before it waits.
     *
     * @param previousClass its class under the previous classifier ({@code previousClassifier}), or null
     */
    public record Ask(String requestClass, String user, Priority priority, String previousClass) {
        public Ask {
            Objects.requireNonNull(requestClass, "requestClass");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(priority, "priority");
        }

        public Ask(String requestClass, String user, Priority priority) {
            this(requestClass, user, priority, null);
        }
    }

    /**
     * The pool as the queue sees it. Called under the queue's monitor: its
     * methods must not block nor call back into the queue.
     */
    public interface Seats {
        /**
         * Leases a worker for a request when the pool has room for it (the
         * pool's choice) and would still have {@code keepFree} slots free for
         * requests of its class, or returns null.
         */
        Lease take(Ask ask, int retries, int keepFree);

        /** The requests in flight the pool may have in all (workers × {@code maxBacklog}); 0 without a limit. */
        int slots();
    }

    /**
     * The bounds of the queue.
     *
     * @param maxQueued requests waiting at most, all users together
     * @param maxQueuedPerUser requests of one user waiting at most; 0: no bound of its own (no {@code userKey})
     * @param timeout longest wait; zero: a request that cannot be admitted at once is refused
     * @param userReserve slots of the pool a user at or above its fair share may not take (see the class comment); 0: none
     */
    public record Limits(int maxQueued, int maxQueuedPerUser, Duration timeout, int userReserve) {
        public Limits {
            if (maxQueued < 0 || maxQueuedPerUser < 0 || timeout.isNegative() || userReserve < 0) {
                throw new IllegalArgumentException("invalid admission limits: maxQueued=" + maxQueued + ", maxQueuedPerUser="
                        + maxQueuedPerUser + ", timeout=" + timeout + ", userReserve=" + userReserve);
            }
        }

        /** Limits without a user reserve. */
        public Limits(int maxQueued, int maxQueuedPerUser, Duration timeout) {
            this(maxQueued, maxQueuedPerUser, timeout, 0);
        }
    }

    /** Why a request may not wait; the caller answers at once. */
    public enum Refusal {
        /** Its user already has {@code maxQueuedPerUser} requests waiting: 429 with Retry-After. */
        TOO_MANY_QUEUED(429),
        /** {@code maxQueued} requests wait already, the timeout is zero, or the queue is closed: 503. */
        QUEUE_FULL(503);

        private final int status;

        Refusal(int status) {
            this.status = status;
        }

        /** The HTTP status of the answer. */
        public int status() {
            return status;
        }
    }

    /** What {@link #enter} made of a request: its ticket, or why it may not wait. */
    public record Entry(Ticket ticket, Refusal refusal) {
    }

    /** How a request's admission ended, as counted ({@link AdmissionFigures#outcomes()}). */
    enum Outcome {
        ADMITTED, DEQUEUED, TOO_MANY_QUEUED, QUEUE_FULL, TIMED_OUT, CANCELLED;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private static final Priority[] CLASSES = Priority.values();
    private static final List<String> PRIORITY_LABELS = Arrays.stream(CLASSES).map(Priority::label).toList();
    private static final List<String> OUTCOME_LABELS = Arrays.stream(Outcome.values()).map(o -> o.label).toList();

    private final Limits limits;
    private final ScheduledExecutorService timer;
    private final Seats seats;
    private final Object lock = new Object();

    // Guarded by lock.
    private final HashMap<String, User> users = new HashMap<>();
    /** Per class, the lanes with waiting requests, next first. */
    @SuppressWarnings("unchecked")
    private final TreeSet<Lane>[] ready = new TreeSet[CLASSES.length];
    private final int[] queued = new int[CLASSES.length];
    private int queuedTotal;
    private long nextTurn;
    private boolean closed;

    /** [class * outcomes + outcome]; written under lock or not, read anywhere. */
    private final AtomicLongArray counts = new AtomicLongArray(CLASSES.length * Outcome.values().length);
    private volatile int[] queuedView = new int[CLASSES.length];
    private volatile int usersView;

    public AdmissionQueue(Limits limits, ScheduledExecutorService timer, Seats seats) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.seats = Objects.requireNonNull(seats, "seats");
        Comparator<Lane> order = Comparator.<Lane>comparingInt(l -> l.user.inFlight).thenComparingLong(l -> l.turn);
        for (int c = 0; c < CLASSES.length; c++) {
            ready[c] = new TreeSet<>(order);
        }
    }

    /**
     * A lease for the request now, when nobody of its class or a higher one
     * waits and the pool has room for it; otherwise null (the caller suspends
     * the request and {@link #enter}s it).
     */
    public Lease now(Ask ask) {
        synchronized (lock) {
            for (int c = ask.priority().ordinal(); c < CLASSES.length; c++) {
                if (!ready[c].isEmpty()) {
                    return null;
                }
            }
            Lease lease = seats.take(ask, 0, keepFree(users.get(ask.user()), false));
            if (lease != null) {
                started(ask.user());
                counted(ask.priority(), Outcome.ADMITTED);
                publish();
            }
            return lease;
        }
    }

    /**
     * A lease for a retry of a request whose lease failed (the request was
     * admitted once already: it does not queue again), or null when no worker
     * has room for it now.
     */
    Lease retry(Ask ask, int retries) {
        synchronized (lock) {
            Lease lease = seats.take(ask, retries, 0);
            if (lease != null) {
                started(ask.user());
                publish();
            }
            return lease;
        }
    }

    /**
     * Lets a request wait, or refuses it (then the caller answers with the
     * refusal's status and the guest gets no callback). The guest may be
     * admitted before this returns, on this thread.
     */
    public Entry enter(Ask ask, Guest guest) {
        Objects.requireNonNull(guest, "guest");
        Ticket ticket = null;
        Refusal refusal = null;
        synchronized (lock) {
            User user = users.get(ask.user());
            if (closed || limits.timeout().isZero() || queuedTotal >= limits.maxQueued()) {
                refusal = Refusal.QUEUE_FULL;
            } else if (limits.maxQueuedPerUser() > 0 && user != null && user.waiting >= limits.maxQueuedPerUser()) {
                refusal = Refusal.TOO_MANY_QUEUED;
            } else {
                if (user == null) {
                    user = new User(ask.user());
                    users.put(user.key, user);
                }
                ticket = new Ticket(ask, guest, user.lane(ask.priority()));
                queue(ticket);
            }
            if (refusal != null) {
                counted(ask.priority(), refusal == Refusal.TOO_MANY_QUEUED ? Outcome.TOO_MANY_QUEUED : Outcome.QUEUE_FULL);
            }
            publish();
        }
        if (ticket == null) {
            return new Entry(null, refusal);
        }
        ticket.expireAfter(timer, limits.timeout());
        pump();
        return new Entry(ticket, null);
    }

    /** A lease of {@code user}'s ended (the router's call, after the pool's release): offers the slot to waiting requests. */
    void ended(String user) {
        synchronized (lock) {
            User u = users.get(user);
            if (u != null) { // always there: a lease counted in started() is ended once
                reorder(u, -1);
                forgetIfIdle(u);
                publish();
            }
        }
        pump();
    }

    /**
     * Offers free slots to waiting requests, in the queue's order, until the
     * pool has no room for the next one; then admits them (outside the lock).
     * Called after every lease's end and whenever a worker joins.
     */
    public void pump() {
        record Admitted(Guest guest, Lease lease) {
        }
        List<Admitted> admitted = null;
        synchronized (lock) {
            pumping:
            while (true) {
                Ticket t = null;
                Lease lease = null;
                for (int c = CLASSES.length - 1; c >= 0 && lease == null; c--) {
                    boolean heldBackRefused = false;
                    for (Lane lane : ready[c]) { // in the order; left at once when the set is to change
                        int keepFree = keepFree(lane.user, true);
                        if (keepFree > 0 && heldBackRefused) {
                            continue; // the pool refused a user held back in this class already: it would refuse this one
                        }
                        t = lane.tickets.peekFirst();
                        lease = seats.take(t.ask, 0, keepFree);
                        if (lease != null) {
                            break;
                        }
                        if (keepFree == 0) {
                            // No room for this class at all; a lower class would find none either
                            // (a higher class may use at least the slots a lower one may).
                            break pumping;
                        }
                        // Held back by the user reserve: a user behind it in the order that is not may take the slot.
                        heldBackRefused = true;
                    }
                }
                if (lease == null) {
                    break;
                }
                t.claim(); // unsettled: every settlement happens under the lock, and settled tickets leave at once
                unqueue(t);
                started(t.ask.user());
                counted(t.ask.priority(), Outcome.DEQUEUED);
                if (admitted == null) {
                    admitted = new ArrayList<>(4);
                }
                admitted.add(new Admitted(t.guest, lease));
            }
            publish();
        }
        if (admitted != null) {
            for (Admitted a : admitted) {
                try {
                    a.guest().admit(a.lease());
                } catch (RuntimeException e) {
                    LOG.warn("ResumeLB could not resume a request admitted from the queue: {}", e.toString());
                    a.lease().release();
                }
            }
        }
    }

    /** Turns every waiting request away; later ones are refused ({@link Refusal#QUEUE_FULL}). */
    @Override
    public void close() {
        List<Ticket> away = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            for (TreeSet<Lane> lanes : ready) {
                for (Lane lane : new ArrayList<>(lanes)) {
                    for (Ticket t : new ArrayList<>(lane.tickets)) {
                        if (t.claim()) {
                            unqueue(t);
                            away.add(t);
                        }
                    }
                }
            }
            publish();
        }
        away.forEach(t -> t.guest.turnAway());
    }

    /** Requests waiting now, all classes. */
    public int waiting() {
        int[] q = queuedView;
        int n = 0;
        for (int v : q) {
            n += v;
        }
        return n;
    }

    /** A user's requests in flight now (counted from lease start to end); 0 for an unknown user. For tests and logs. */
    public int inFlight(String user) {
        synchronized (lock) {
            User u = users.get(user);
            return u == null ? 0 : u.inFlight;
        }
    }

    @Override
    public List<String> priorities() {
        return PRIORITY_LABELS;
    }

    @Override
    public List<String> outcomes() {
        return OUTCOME_LABELS;
    }

    @Override
    public long count(String priority, String outcome) {
        int c = PRIORITY_LABELS.indexOf(priority);
        int o = OUTCOME_LABELS.indexOf(outcome);
        return c < 0 || o < 0 ? 0 : counts.get(c * OUTCOME_LABELS.size() + o);
    }

    /** Requests of {@code priority} whose admission ended with {@code outcome}, since start. */
    long count(Priority priority, Outcome outcome) {
        return counts.get(priority.ordinal() * OUTCOME_LABELS.size() + outcome.ordinal());
    }

    @Override
    public int queued(String priority) {
        int c = PRIORITY_LABELS.indexOf(priority);
        return c < 0 ? 0 : queuedView[c];
    }

    @Override
    public int users() {
        return usersView;
    }

    // --- under the lock -------------------------------------------------------------------------------------------

    private void counted(Priority priority, Outcome outcome) {
        counts.incrementAndGet(priority.ordinal() * OUTCOME_LABELS.size() + outcome.ordinal());
    }

    /**
     * Lock held. The slots of the pool a request of {@code u} (null: a user
     * with nothing in flight or waiting) must leave free: {@code userReserve}
     * when the user is held back, else 0. A user is held back when it has
     * other requests waiting besides this one ({@code queued}: this one is
     * among {@code u.waiting}) and its fair share or more in flight; the fair
     * share is the pool's slots over the users known (with requests in flight
     * or waiting) plus one, the next to come.
     */
    private int keepFree(User u, boolean queued) {
        int reserve = limits.userReserve();
        if (reserve == 0 || u == null || u.inFlight == 0 || u.waiting - (queued ? 1 : 0) <= 0) {
            return 0;
        }
        long slots = seats.slots();
        return slots > 0 && (long) u.inFlight * (users.size() + 1) >= slots ? reserve : 0;
    }

    /** Lock held. The figures read without the lock. */
    private void publish() {
        queuedView = queued.clone();
        usersView = users.size();
    }

    /** Lock held. A lease of this user started. */
    private void started(String key) {
        User u = users.get(key);
        if (u == null) {
            u = new User(key);
            users.put(key, u);
        }
        reorder(u, +1);
    }

    /** Lock held. Adds a ticket at the end of its lane; a lane that was empty takes its turn now. */
    private void queue(Ticket t) {
        Lane lane = t.lane;
        int c = lane.priority.ordinal();
        if (lane.tickets.isEmpty()) {
            lane.turn = nextTurn++;
            lane.tickets.add(t);
            ready[c].add(lane);
        } else {
            lane.tickets.add(t);
        }
        lane.user.waiting++;
        queued[c]++;
        queuedTotal++;
    }

    /**
     * Lock held. Takes a claimed ticket out of its lane: the head when it is
     * admitted (the lane's turn is renewed, behind every other waiting user),
     * anywhere when it leaves otherwise.
     */
    private void unqueue(Ticket t) {
        Lane lane = t.lane;
        int c = lane.priority.ordinal();
        boolean head = lane.tickets.peekFirst() == t;
        ready[c].remove(lane);
        if (head) {
            lane.tickets.pollFirst();
            lane.turn = nextTurn++;
        } else {
            lane.tickets.remove(t);
        }
        if (!lane.tickets.isEmpty()) {
            ready[c].add(lane);
        }
        lane.user.waiting--;
        queued[c]--;
        queuedTotal--;
        forgetIfIdle(lane.user);
    }

    /** Lock held. Changes a user's requests in flight, moving its waiting lanes to their new places. */
    private void reorder(User u, int delta) {
        for (Lane lane : u.lanes) {
            if (lane != null && !lane.tickets.isEmpty()) {
                ready[lane.priority.ordinal()].remove(lane);
            }
        }
        u.inFlight += delta;
        for (Lane lane : u.lanes) {
            if (lane != null && !lane.tickets.isEmpty()) {
                ready[lane.priority.ordinal()].add(lane);
            }
        }
    }

    /** Lock held. */
    private void forgetIfIdle(User u) {
        if (u.inFlight <= 0 && u.waiting == 0) {
            users.remove(u.key);
        }
    }

    /** One user: its requests in flight and its waiting requests, one lane per class. Guarded by the queue's lock. */
    private static final class User {
        final String key;
        int inFlight;
        int waiting;
        final Lane[] lanes = new Lane[CLASSES.length];

        User(String key) {
            this.key = key;
        }

        Lane lane(Priority p) {
            Lane lane = lanes[p.ordinal()];
            if (lane == null) {
                lane = new Lane(this, p);
                lanes[p.ordinal()] = lane;
            }
            return lane;
        }
    }

    /** One user's waiting requests of one class, in arrival order. Guarded by the queue's lock. */
    private static final class Lane {
        final User user;
        final Priority priority;
        final ArrayDeque<Ticket> tickets = new ArrayDeque<>(2);
        /** Its place among lanes of users with as many requests in flight; unique. */
        long turn;

        Lane(User user, Priority priority) {
            this.user = user;
            this.priority = priority;
        }
    }

    /** One waiting request's place. */
    public final class Ticket extends WaitTicket {
        private final Ask ask;
        private final Guest guest;
        private final Lane lane;

        private Ticket(Ask ask, Guest guest, Lane lane) {
            this.ask = ask;
            this.guest = guest;
            this.lane = lane;
        }

        /** The client went away: the request leaves the queue without a callback. Returns false when it had already ended. */
        @Override
        public boolean cancel() {
            synchronized (lock) {
                if (!claim()) {
                    return false;
                }
                unqueue(this);
                counted(ask.priority(), Outcome.CANCELLED);
                publish();
                return true;
            }
        }

        @Override
        void expire() {
            synchronized (lock) {
                if (!claim()) {
                    return;
                }
                unqueue(this);
                counted(ask.priority(), Outcome.TIMED_OUT);
                publish();
            }
            guest.turnAway();
        }
    }
}
