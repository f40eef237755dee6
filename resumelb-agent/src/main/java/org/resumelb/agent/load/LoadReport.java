package org.resumelb.agent.load;

/**
 * A worker's load as its filter reports it in
 * {@link org.resumelb.agent.protocol.Protocol#LOAD_HEADER}, the one place its
 * grammar lives:
 * <pre>
 *   value     = OWS in-flight ";" mean OWS
 *   in-flight = 1*9DIGIT                  ; requests in flight, 0..999999999
 *   mean      = 1*9DIGIT [ "." 1*6DIGIT ] ; their decayed mean, >= 0
 * </pre>
 * e.g. {@code 3;2.41}. Anything else is malformed: {@link #parse} returns null
 * and the load balancer ignores the value (and counts it).
 *
 * @param inFlight requests in flight at the worker, from every load balancer
 * @param mean their decayed mean ({@link DecayedBacklog})
 */
public record LoadReport(int inFlight, double mean) {

    public LoadReport {
        if (inFlight < 0 || !(mean >= 0) || mean == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("load report needs inFlight >= 0 and a finite mean >= 0, got " + inFlight + ";" + mean);
        }
    }

    /** The header value: in-flight, ";", the mean rounded to two decimals. */
    public static String format(int inFlight, double mean) {
        long hundredths = Math.round(mean * 100);
        StringBuilder b = new StringBuilder(16).append(inFlight).append(';').append(hundredths / 100);
        long frac = hundredths % 100;
        if (frac != 0) {
            b.append('.').append((char) ('0' + frac / 10));
            if (frac % 10 != 0) {
                b.append((char) ('0' + frac % 10));
            }
        }
        return b.toString();
    }

    /** The header value of this report. */
    public String format() {
        return format(inFlight, mean);
    }

    /** The report in {@code value}, or null when it is null or malformed (see the grammar). */
    public static LoadReport parse(String value) {
        if (value == null) {
            return null;
        }
        int start = 0;
        int end = value.length();
        while (start < end && isSpace(value.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(value.charAt(end - 1))) {
            end--;
        }
        int semi = value.indexOf(';', start);
        if (semi < 0 || semi >= end) {
            return null;
        }
        long inFlight = digits(value, start, semi, 9);
        if (inFlight < 0) {
            return null;
        }
        int dot = value.indexOf('.', semi + 1);
        if (dot >= end) {
            dot = -1;
        }
        long whole = digits(value, semi + 1, dot < 0 ? end : dot, 9);
        if (whole < 0) {
            return null;
        }
        double mean = whole;
        if (dot >= 0) {
            long frac = digits(value, dot + 1, end, 6);
            if (frac < 0) {
                return null;
            }
            mean += frac / Math.pow(10, end - dot - 1);
        }
        return new LoadReport((int) inFlight, mean);
    }

    /** The number in value[from, to): 1 to max ASCII digits; -1 otherwise. */
    private static long digits(String value, int from, int to, int max) {
        int n = to - from;
        if (n < 1 || n > max) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
