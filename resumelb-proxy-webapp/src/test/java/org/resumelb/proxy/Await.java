package org.resumelb.proxy;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/** Bounded waits for the tests of this module: poll every 10 ms, fail with an {@link AssertionError} naming what did not come. */
public final class Await {

    private Await() {
    }

    /** Waits until {@code condition} holds, for {@code timeout} at most. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Waits until {@code value} is {@code expected}, for {@code timeout} at most; the failure names the last value. */
    public static void value(String what, Duration timeout, IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (value.getAsInt() != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " is " + value.getAsInt() + ", expected " + expected);
            }
            Thread.sleep(10);
        }
    }
}
