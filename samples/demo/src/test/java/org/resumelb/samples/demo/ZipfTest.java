package org.resumelb.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class ZipfTest {

    @Test
    void probabilitiesFollowOneOverRankToTheS() {
        Zipf z = new Zipf(4, 1.0);
        double h = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0;
        assertEquals(1 / h, z.probability(0), 1e-12);
        assertEquals(0.5 / h, z.probability(1), 1e-12);
        assertEquals(0.25 / h, z.probability(3), 1e-12);
        Zipf uniform = new Zipf(5, 0.0);
        assertEquals(0.2, uniform.probability(4), 1e-12);
    }

    @Test
    void drawnFrequenciesMatchTheSkew() {
        int n = 100;
        Zipf z = new Zipf(n, 1.0);
        Random random = new Random(42);
        int[] counts = new int[n];
        int draws = 400_000;
        for (int i = 0; i < draws; i++) {
            counts[z.next(random)]++;
        }
        // Rank 1 is drawn twice as often as rank 2 and ten times as often as rank 10.
        assertEquals(2.0, (double) counts[0] / counts[1], 0.1);
        assertEquals(10.0, (double) counts[0] / counts[9], 0.8);
        double h100 = 0;
        for (int k = 1; k <= n; k++) {
            h100 += 1.0 / k;
        }
        assertEquals(1 / h100, counts[0] / (double) draws, 0.005);
        assertTrue(counts[n - 1] > 0, "the tail is drawn too");
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Zipf(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Zipf(10, -1));
        assertThrows(IllegalArgumentException.class, () -> new Zipf(10, Double.NaN));
    }
}
