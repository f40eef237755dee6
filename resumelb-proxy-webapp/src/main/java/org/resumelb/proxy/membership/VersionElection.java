package org.resumelb.proxy.membership;

import java.math.BigInteger;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Single-version mode's rule (zc.resumelb 0.7), without side effects: which
 * version the pool routes to, given the versions the live workers report.
 * The version most workers report wins; a tie keeps the version in force;
 * among new candidates the highest version wins, numeric parts compared as
 * numbers (1.9 &lt; 1.10). A worker without a version counts as version "".
 * Stateless.
 */
public final class VersionElection {

    private VersionElection() {
    }

    /**
     * The version to route to.
     *
     * @param versions the live workers' versions (null for none)
     * @param current the version in force, or null before the first election
     * @return the elected version ("" for workers without one), or null when there are no workers
     */
    public static String elect(Collection<String> versions, String current) {
        Map<String, Integer> counts = new HashMap<>();
        for (String v : versions) {
            counts.merge(key(v), 1, Integer::sum);
        }
        String elected = null;
        int best = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            int n = e.getValue();
            if (n > best || (n == best && compare(e.getKey(), elected) > 0)) {
                elected = e.getKey();
                best = n;
            }
        }
        if (current != null && counts.getOrDefault(key(current), 0) == best && best > 0) {
            return key(current); // a tie keeps the version in force
        }
        return elected;
    }

    /** The version as the election counts it: null is "". */
    public static String key(String version) {
        return version == null ? "" : version;
    }

    /** Orders versions with numeric parts compared as numbers: 1.9 &lt; 1.10; null first. */
    public static int compare(String a, String b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        String[] x = a.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
        String[] y = b.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c;
            if (!x[i].isEmpty() && !y[i].isEmpty() && Character.isDigit(x[i].charAt(0)) && Character.isDigit(y[i].charAt(0))) {
                c = new BigInteger(x[i]).compareTo(new BigInteger(y[i]));
            } else {
                c = x[i].compareTo(y[i]);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
