package org.resumelb.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code maxBacklog} and {@code reservedBacklog}: every policy keeps each
 * worker within its limit, lends the reserved slots to top-class requests
 * only, and says "full" when no worker may take a request.
 */
class BacklogLimitTest {

    static SwitchablePool pool(String policy, int workers, int maxBacklog, int reserved) {
        SwitchablePool pool = new SwitchablePool(policy, PoolSettings.DEFAULTS);
        pool.backlogLimit(maxBacklog, reserved);
        for (int i = 1; i <= workers; i++) {
            pool.update("http://w" + i, "1", Map.of("hot", 10.0, "c" + i, 5.0));
        }
        return pool;
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void noWorkerGoesAboveItsLimitAndAFullPoolSaysSo(String policy) {
        SwitchablePool pool = pool(policy, 3, 2, 0);
        List<PoolWorker> leases = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            PoolWorker w = pool.acquire("hot"); // one class all want: the limit, not the policy, spreads it
            assertNotNull(w, "request " + i + " of 6 fits in 3 workers x 2");
            leases.add(w);
        }
        Map<String, Integer> perWorker = new HashMap<>();
        leases.forEach(w -> perWorker.merge(w.url(), 1, Integer::sum));
        assertEquals(Map.of("http://w1", 2, "http://w2", 2, "http://w3", 2), perWorker);
        Pool.Acquired acquired = new Pool.Acquired();
        assertNull(pool.acquire("hot", false, acquired));
        assertTrue(acquired.full(), "workers there, all at their limit");
        assertNull(pool.acquire("other", true, new Pool.Acquired()), "no reserve: top class waits too");
        assertEquals(6, pool.backlog(), "a refused request counts nowhere");

        PoolWorker freed = leases.remove(4);
        pool.release(freed);
        PoolWorker next = pool.acquire("hot");
        assertEquals(freed, next, "the only worker with room takes the next request");
        pool.release(next);
        leases.forEach(pool::release);
        assertEquals(0, pool.backlog());
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void reservedSlotsAreForTheTopClassOnly(String policy) {
        SwitchablePool pool = pool(policy, 2, 3, 1);
        List<PoolWorker> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(pool.acquire("c1"));
        }
        Pool.Acquired normal = new Pool.Acquired();
        assertNull(pool.acquire("c1", false, normal), "2 workers x (3 - 1 reserved)");
        assertTrue(normal.full());
        PoolWorker top1 = pool.acquire("c1", true, new Pool.Acquired());
        PoolWorker top2 = pool.acquire("c2", true, new Pool.Acquired());
        assertNotNull(top1);
        assertNotNull(top2);
        Pool.Acquired top = new Pool.Acquired();
        assertNull(pool.acquire("c1", true, top), "the reserve is used up");
        assertTrue(top.full());
        assertEquals(3, top1.backlog());
        assertEquals(3, top2.backlog());
        pool.release(top1);
        assertNull(pool.acquire("c1"), "a freed reserved slot is still reserved");
        assertNotNull(pool.acquire("c1", true, new Pool.Acquired()));
    }

    @Test
    void anEmptyPoolIsNotFull() {
        SwitchablePool pool = pool("resume", 0, 1, 0);
        Pool.Acquired acquired = new Pool.Acquired();
        assertNull(pool.acquire("a", true, acquired));
        assertFalse(acquired.full(), "no worker at all is the waiting room's case, not admission's");
    }

    @Test
    void theLimitSurvivesAPolicySwitch() {
        SwitchablePool pool = pool("resume", 1, 1, 0);
        PoolWorker first = pool.acquire("a");
        pool.switchTo("round-robin");
        PoolWorker second = pool.acquire("a");
        assertNotNull(second, "the new pool does not count the retiring pool's lease (documented)");
        assertNull(pool.acquire("a"), "but it keeps the limit of 1");
        pool.release(first);
        pool.release(second);
        assertEquals(0, pool.backlog());
    }

    @Test
    void withoutALimitNothingIsEverFull() {
        SwitchablePool pool = pool("least-backlog", 1, 0, 0);
        Pool.Acquired acquired = new Pool.Acquired();
        for (int i = 0; i < 1000; i++) {
            assertNotNull(pool.acquire("a", i % 2 == 0, acquired));
        }
        assertFalse(acquired.full());
    }

    @Test
    void aBadLimitIsRefusedAndChangesNothing() {
        SwitchablePool pool = pool("resume", 1, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> pool.backlogLimit(2, 2));
        assertThrows(IllegalArgumentException.class, () -> pool.backlogLimit(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> pool.backlogLimit(0, 1));
        assertNotNull(pool.acquire("a"));
        assertNull(pool.acquire("a"), "still 2 - 1 reserved");
    }

    @ParameterizedTest
    @ValueSource(strings = {"resume", "round-robin", "least-backlog", "consistent-hash"})
    void aRequestAskedToKeepSlotsFreeIsRefusedWhenNoMoreThanThatManyAreLeft(String policy) {
        SwitchablePool pool = pool(policy, 2, 3, 1); // 6 slots; 4 for a normal request, 6 for a top one
        assertEquals(6, pool.slots());
        List<PoolWorker> leases = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            leases.add(pool.acquire("hot", false, 2, new Pool.Acquired()));
        }
        assertFalse(leases.contains(null), "4 free for a normal request, then 3: more than 2");
        Pool.Acquired acquired = new Pool.Acquired();
        assertNull(pool.acquire("hot", false, 2, acquired), "2 free for a normal request: no more than keepFree");
        assertTrue(acquired.full());
        assertEquals(2, pool.backlog(), "a refused request counts nowhere");
        PoolWorker top = pool.acquire("hot", true, 2, new Pool.Acquired());
        assertNotNull(top, "a top request may take the reserved slots too: 4 free for it, more than 2");
        leases.add(top);
        assertNull(pool.acquire("hot", false, 1, new Pool.Acquired()), "1 free for a normal request now");
        PoolWorker last = pool.acquire("hot", false, 0, new Pool.Acquired());
        assertNotNull(last, "keepFree 0 is the plain limit");
        leases.add(last);
        assertNull(pool.acquire("hot", false, 0, new Pool.Acquired()), "each worker at maxBacklog - reservedBacklog");
        assertThrows(IllegalArgumentException.class, () -> pool.acquire("hot", false, -1, new Pool.Acquired()));
        leases.forEach(pool::release);
        assertEquals(0, pool.backlog());
        pool.remove("http://w2");
        assertEquals(3, pool.slots(), "slots follow the membership");
    }

    @Test
    void withoutALimitKeepFreeChangesNothingAndThereAreNoSlots() {
        SwitchablePool pool = pool("least-backlog", 1, 0, 0);
        assertEquals(0, pool.slots());
        for (int i = 0; i < 10; i++) {
            assertNotNull(pool.acquire("hot", false, 5, new Pool.Acquired()));
        }
        assertEquals(10, pool.backlog());
    }

}
