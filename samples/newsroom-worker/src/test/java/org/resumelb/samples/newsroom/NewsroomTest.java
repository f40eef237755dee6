package org.resumelb.samples.newsroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class NewsroomTest {

    @Test
    void everyTouchedObjectIsAHitOrAMissAndMissesFillTheCache() {
        Newsroom n = new Newsroom(50, 10, 12.5, 10_000, 0, 0);
        Random random = new Random(1);
        long touched = 0;
        for (int i = 0; i < 200; i++) {
            Newsroom.Visit v = n.serve("site-" + (i % 3), random);
            assertEquals(10, v.hits() + v.misses());
            touched += 10;
        }
        assertEquals(200, n.requests());
        assertEquals(touched, n.hits() + n.misses());
        assertEquals(n.misses(), n.cached(), "each miss loaded one object, nothing evicted");
        assertTrue(n.misses() <= 150, "at most 3 sites x 50 objects can ever miss: " + n.misses());
    }

    @Test
    void aSiteWhoseObjectsAreCachedOnlyHits() {
        Newsroom n = new Newsroom(4, 10, 100, 1000, 0, 0);
        Random random = new Random(2);
        for (int i = 0; i < 50; i++) {
            n.serve("a", random);
        }
        assertEquals(4, n.misses(), "4 objects, each loaded once");
        Newsroom.Visit v = n.serve("a", random);
        assertEquals(10, v.hits());
    }

    @Test
    void theCacheIsBoundedByObjectCount() {
        Newsroom n = new Newsroom(1000, 10, 250, 100, 0, 0);
        Random random = new Random(3);
        for (int i = 0; i < 500; i++) {
            n.serve("site-" + i, random);
        }
        assertTrue(n.cached() <= 100, "bounded: " + n.cached());
        assertTrue(n.misses() > n.hits(), "a cache far smaller than the working set mostly misses");
    }

    @Test
    void picksClusterAroundTheFirstObjects() {
        Newsroom n = new Newsroom(1000, 1, 100, 10, 0, 0);
        Random random = new Random(4);
        int low = 0;
        for (int i = 0; i < 10_000; i++) {
            int p = n.pick(random);
            assertTrue(p >= 0 && p < 1000);
            if (p < 100) {
                low++;
            }
        }
        // Half-normal with sd 100: P(X < 100) = 0.6827.
        assertEquals(0.6827, low / 10_000.0, 0.02);
    }

    @Test
    void aMissCostsTheConfiguredLoadTime() {
        Newsroom n = new Newsroom(1_000_000, 5, 1e9, 10, 2_000, 0);
        long start = System.nanoTime();
        Newsroom.Visit v = n.serve("x", new Random(5));
        long micros = (System.nanoTime() - start) / 1000;
        assertEquals(5, v.misses());
        assertTrue(micros >= 10_000, "5 misses x 2 ms each: " + micros + " us");
    }

    @Test
    void rejectsAnInvalidWorkload() {
        assertThrows(IllegalArgumentException.class, () -> new Newsroom(0, 1, 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Newsroom(1, 1, 0, 1, 0, 0));
    }

    @Test
    void siteIsTheHostWithoutPortAndWww() {
        assertEquals("site-1.news", NewsroomServlet.site("www.Site-1.news:8080"));
        assertEquals("default", NewsroomServlet.site(null));
    }
}
