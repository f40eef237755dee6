package org.resumelb.proxy.route;

import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.resumelb.agent.classify.RequestView;
import org.resumelb.agent.protocol.Protocol;

/**
 * Which requests are of the {@link Priority#HIGH} class (setting
 * {@code priority}), decided at the edge:
 *
 * <ul>
 * <li>unset ({@link #NONE}): every request is {@link Priority#NORMAL};
 * <li>{@code path:<regex>}: a request whose path as forwarded (still
 * percent-encoded, with a leading {@code /}, without the query) contains a
 * match of the Java regular expression, e.g. {@code path:^/(checkout|api/pay)/};
 * <li>{@code header:<name>}: a request whose header {@code <name>} says
 * {@code high} (case-insensitive); any other value, or none, is normal.
 * </ul>
 *
 * A client can send any header, so {@code header:} suits a header that a proxy
 * in front sets (and overwrites) for everyone; an {@code X-ResumeLB-*} header
 * cannot be used. The class orders waiting requests and guards reserved
 * slots; it is not sent to workers.
 *
 * <p>Immutable and thread-safe.
 */
public final class PriorityRule {

    /** What {@code priority} accepts, for the message of an invalid value. */
    public static final String ACCEPTED = "path:<regex> (high-priority paths) or header:<name> (high when it says 'high'),"
            + " or unset: every request normal";

    /** Every request is normal. */
    public static final PriorityRule NONE = new PriorityRule(null, null, "");

    private final Pattern path;
    private final String header;
    private final String spec;

    private PriorityRule(Pattern path, String header, String spec) {
        this.path = path;
        this.header = header;
        this.spec = spec;
    }

    /**
     * Parses {@code priority}; blank is {@link #NONE}.
     *
     * @throws IllegalArgumentException saying what is wrong with the value
     */
    public static PriorityRule parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.isEmpty()) {
            return NONE;
        }
        if (s.startsWith("path:")) {
            String regex = s.substring(5);
            if (regex.isEmpty()) {
                throw new IllegalArgumentException("an empty path regex");
            }
            try {
                return new PriorityRule(Pattern.compile(regex), null, s);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("not a regular expression: " + e.getDescription());
            }
        }
        if (s.startsWith("header:")) {
            String name = s.substring(7).trim();
            if (!UserKey.isToken(name)) {
                throw new IllegalArgumentException("'" + name + "' is not a header name");
            }
            if (Protocol.isInternalHeader(name)) {
                throw new IllegalArgumentException(name + " is the load balancer's own header, stripped from clients");
            }
            return new PriorityRule(null, name, s);
        }
        throw new IllegalArgumentException("unknown priority rule");
    }

    /** Whether some requests may be high (false for {@link #NONE}). */
    public boolean any() {
        return path != null || header != null;
    }

    /** The class of a request. */
    public Priority of(RequestView request) {
        if (path != null) {
            String p = request.path();
            return path.matcher(p.isEmpty() ? "/" : p).find() ? Priority.HIGH : Priority.NORMAL;
        }
        if (header != null) {
            String v = request.header(header);
            return v != null && v.trim().toLowerCase(Locale.ROOT).equals("high") ? Priority.HIGH : Priority.NORMAL;
        }
        return Priority.NORMAL;
    }

    @Override
    public String toString() {
        return spec;
    }
}
