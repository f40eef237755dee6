package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PoolsTest {

    @Test
    void createsEachPolicyByName() {
        PoolSettings settings = PoolSettings.DEFAULTS.withVariance(2);
        assertEquals(List.of("resume", "round-robin", "least-backlog", "consistent-hash"), Pools.POLICIES);
        for (String policy : Pools.POLICIES) {
            Pool pool = Pools.create(policy, settings);
            assertEquals(policy, pool.policy());
            assertEquals(policy, pool.snapshot().policy());
            assertSame(settings, pool.settings());
        }
        assertTrue(Pools.create("resume", settings) instanceof ResumePool);
    }

    @Test
    void anUnknownPolicyIsRejectedNamingTheAcceptedOnes() {
        for (String bad : new String[] {"random", "Resume", "", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pools.create(bad, PoolSettings.DEFAULTS));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("resume, round-robin, least-backlog, consistent-hash"),
                    e.getMessage());
        }
    }
}
