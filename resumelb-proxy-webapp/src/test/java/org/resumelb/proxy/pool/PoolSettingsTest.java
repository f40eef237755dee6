package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PoolSettingsTest {

    @Test
    void defaultsAreZcResumelbsAndHaproxysBalanceFactor() {
        PoolSettings d = PoolSettings.defaults();
        assertEquals(1.0, d.variance());
        assertEquals(1.0, d.unskilledScore());
        assertEquals(9, d.backlogHistory());
        assertEquals(1.25, d.hashBalanceFactor());
    }

    @Test
    void withersChangeOneSetting() {
        PoolSettings s = PoolSettings.DEFAULTS.withVariance(2).withUnskilledScore(0.5)
                .withBacklogHistory(4).withHashBalanceFactor(1.5);
        assertEquals(new PoolSettings(2, 0.5, 4, 1.5), s);
    }

    @Test
    void varianceMustBeFiniteAndPositive() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            rejected(() -> PoolSettings.DEFAULTS.withVariance(bad), "variance=" + bad, "finite number > 0");
        }
    }

    @Test
    void unskilledScoreMustBeFiniteAndPositive() {
        for (double bad : new double[] {0, -0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            rejected(() -> PoolSettings.DEFAULTS.withUnskilledScore(bad), "unskilledScore=" + bad,
                    "finite number > 0");
        }
    }

    @Test
    void backlogHistoryMustBeAtLeastOne() {
        for (int bad : new int[] {0, -9}) {
            rejected(() -> PoolSettings.DEFAULTS.withBacklogHistory(bad), "backlogHistory=" + bad, ">= 1");
        }
        assertEquals(1, PoolSettings.DEFAULTS.withBacklogHistory(1).backlogHistory());
    }

    @Test
    void hashBalanceFactorMustBeFiniteAndAboveOne() {
        for (double bad : new double[] {1.0, 0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            rejected(() -> PoolSettings.DEFAULTS.withHashBalanceFactor(bad), "hashBalanceFactor=" + bad,
                    "finite number > 1");
        }
    }

    private static void rejected(Executable construction, String setting, String accepted) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction);
        assertTrue(e.getMessage().contains(setting), e.getMessage());
        assertTrue(e.getMessage().contains(accepted), e.getMessage());
    }
}
