package org.resumelb.samples.demo;

import java.util.Arrays;
import java.util.Random;

/**
 * Zipf-distributed ranks: rank k (0-based) is drawn with probability
 * proportional to {@code 1 / (k+1)^s}, by binary search in the cumulative
 * distribution. Immutable and thread-safe (callers bring their own Random).
 */
public final class Zipf {

    private final double[] cdf;

    public Zipf(int n, double s) {
        if (n < 1 || !(s >= 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("Zipf needs n >= 1 and a finite exponent s >= 0, got n=" + n + " s=" + s);
        }
        cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / Math.pow(k + 1, s);
            cdf[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cdf[k] /= sum;
        }
        cdf[n - 1] = 1.0;
    }

    public int size() {
        return cdf.length;
    }

    /** The probability of rank {@code k}. */
    public double probability(int k) {
        return k == 0 ? cdf[0] : cdf[k] - cdf[k - 1];
    }

    public int next(Random random) {
        int i = Arrays.binarySearch(cdf, random.nextDouble());
        return i >= 0 ? i : Math.min(-i - 1, cdf.length - 1);
    }
}
