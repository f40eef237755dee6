package org.resumelb.agent.resume;

/**
 * A résumé refused, with the reason (which fixes the HTTP status the load
 * balancer answers) and a message naming exactly what is wrong.
 */
public final class ResumeException extends Exception {

    /** Why a résumé was refused, and the status that says so. */
    public enum Reason {
        MALFORMED(400), INVALID(400), BAD_SIGNATURE(401), REPLAYED(409), STALE(409), TOO_LARGE(413);

        private final int status;

        Reason(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Reason reason;

    public ResumeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    public int status() {
        return reason.status();
    }

    /** A value quoted in a message, cut short so that huge input is never echoed. */
    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        String v = value.length() > 64 ? value.substring(0, 64) + "…(" + value.length() + " chars)" : value;
        StringBuilder b = new StringBuilder(v.length() + 2).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.append('"').toString();
    }
}
