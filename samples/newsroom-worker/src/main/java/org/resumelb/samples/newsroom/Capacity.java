package org.resumelb.samples.newsroom;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A worker's capacity bounded as if it ran on its own machine of {@code cores}
 * cores: each request holds one core (a permit of a fair semaphore) for
 * {@code cpuMicros} of wall time. The time is slept, not spun, so that many
 * workers sharing one small machine each model their own machine without
 * taking CPU from the others. A request waiting for a core waits in arrival
 * order. {@link #NONE} (the default) bounds nothing and costs nothing.
 *
 * <p>Settings ({@code newsroom.cores}, {@code newsroom.cpuMicros}): both unset
 * or 0 means no bound; {@code cores} from 1 to {@value #MAX_CORES} needs
 * {@code cpuMicros} from 1 to {@value #MAX_CPU_MICROS}, and the other way
 * round.
 */
public final class Capacity {

    static final int MAX_CORES = 1024;
    static final long MAX_CPU_MICROS = 10_000_000;

    /** No bound: a request holds nothing. */
    public static final Capacity NONE = new Capacity(0, 0);

    private final int cores;
    private final long cpuNanos;
    private final Semaphore permits;
    private final LongAdder waitedNanos = new LongAdder();

    private Capacity(int cores, long cpuMicros) {
        this.cores = cores;
        this.cpuNanos = TimeUnit.MICROSECONDS.toNanos(cpuMicros);
        this.permits = cores == 0 ? null : new Semaphore(cores, true);
    }

    /**
     * A bound of {@code cores} cores held {@code cpuMicros} per request, or
     * {@link #NONE} when both are 0.
     *
     * @throws IllegalArgumentException naming the setting, the value and what is accepted
     */
    public static Capacity of(int cores, long cpuMicros) {
        if (cores < 0 || cores > MAX_CORES) {
            throw invalid("cores", Integer.toString(cores));
        }
        if (cpuMicros < 0 || cpuMicros > MAX_CPU_MICROS) {
            throw invalid("cpuMicros", Long.toString(cpuMicros));
        }
        if (cores == 0 && cpuMicros == 0) {
            return NONE;
        }
        if (cores == 0) {
            throw new IllegalArgumentException("newsroom setting 'cores' is unset while 'cpuMicros' = '" + cpuMicros
                    + "': a CPU time per request needs the number of cores it holds; set 'cores' to a whole number from 1 to "
                    + MAX_CORES + ", or 'cpuMicros' to 0 for no bound");
        }
        if (cpuMicros == 0) {
            throw new IllegalArgumentException("newsroom setting 'cpuMicros' is unset while 'cores' = '" + cores
                    + "': a bound of cores needs the CPU time each request holds one; set 'cpuMicros' to a whole number of microseconds from 1 to "
                    + MAX_CPU_MICROS + ", or 'cores' to 0 for no bound");
        }
        return new Capacity(cores, cpuMicros);
    }

    /**
     * Parses the two settings as given (null or blank: 0).
     *
     * @throws IllegalArgumentException naming the setting, the value and what is accepted
     */
    public static Capacity parse(String cores, String cpuMicros) {
        int c;
        long us;
        try {
            c = isBlank(cores) ? 0 : Integer.parseInt(cores.trim());
        } catch (NumberFormatException e) {
            throw invalid("cores", cores);
        }
        try {
            us = isBlank(cpuMicros) ? 0 : Long.parseLong(cpuMicros.trim());
        } catch (NumberFormatException e) {
            throw invalid("cpuMicros", cpuMicros);
        }
        return of(c, us);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static IllegalArgumentException invalid(String setting, String value) {
        String accepted = setting.equals("cores")
                ? "a whole number of cores from 0 (no bound, the default) to " + MAX_CORES
                : "a whole number of microseconds from 0 (no bound, the default) to " + MAX_CPU_MICROS;
        return new IllegalArgumentException("newsroom setting '" + setting + "' = '" + value + "': accepted: " + accepted);
    }

    /** Holds one core for the CPU time of one request, after waiting (in arrival order) for a free one. */
    public void use() {
        if (permits == null) {
            return;
        }
        long asked = System.nanoTime();
        permits.acquireUninterruptibly();
        long start = System.nanoTime();
        waitedNanos.add(start - asked);
        try {
            long end = start + cpuNanos;
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
        } finally {
            permits.release();
        }
    }

    public boolean bounded() {
        return permits != null;
    }

    public int cores() {
        return cores;
    }

    public long cpuMicros() {
        return TimeUnit.NANOSECONDS.toMicros(cpuNanos);
    }

    /** Total time requests have waited for a free core, in microseconds. */
    public long waitedMicros() {
        return TimeUnit.NANOSECONDS.toMicros(waitedNanos.sum());
    }

    @Override
    public String toString() {
        return permits == null ? "unbounded" : cores + " cores x " + cpuMicros() + " us per request";
    }
}
