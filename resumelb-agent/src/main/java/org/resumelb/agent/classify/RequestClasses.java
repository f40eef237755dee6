package org.resumelb.agent.classify;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The built-in classifiers and the parser of the {@code classifier} setting,
 * shared by the filter and the proxy so that both name classes alike:
 * <ul>
 * <li>{@code host}: the Host header, lower-cased, without port and without a
 *     leading {@code www.} (zc.resumelb's host classifier);</li>
 * <li>{@code path:<n>}: the n-th segment (1-based) of the path;</li>
 * <li>{@code header:<name>}: the value of a request header;</li>
 * <li>{@code regex:<source>:<pattern>}: the group named {@code class} of the
 *     first match of the pattern in the source, one of {@code host},
 *     {@code path}, {@code uri} (path and query) or {@code header.<name>};</li>
 * <li>otherwise the fully qualified name of a {@link RequestClassifier}.</li>
 * </ul>
 * Every class name is passed through {@link #normalize} so that it is always a
 * valid résumé key.
 */
public final class RequestClasses {

    /** The class of requests a classifier could not name. */
    public static final String DEFAULT_CLASS = "-";

    /** Longest class name kept; longer names are cut (a résumé allows 256). */
    public static final int MAX_CLASS_LENGTH = 200;

    public static final String ACCEPTED =
            "host, path:<n>, header:<name>, regex:<host|path|uri|header.<name>>:<pattern with (?<class>...)>,"
                    + " or the name of a class implementing " + RequestClassifier.class.getName();

    private RequestClasses() {
    }

    /** A class name safe to put in a résumé: non-empty, bounded, no control characters. */
    public static String normalize(String requestClass) {
        if (requestClass == null || requestClass.isEmpty()) {
            return DEFAULT_CLASS;
        }
        String c = requestClass.length() > MAX_CLASS_LENGTH ? requestClass.substring(0, MAX_CLASS_LENGTH) : requestClass;
        for (int i = 0; i < c.length(); i++) {
            if (Character.isISOControl(c.charAt(i))) {
                StringBuilder b = new StringBuilder(c.length());
                for (int j = 0; j < c.length(); j++) {
                    char ch = c.charAt(j);
                    b.append(Character.isISOControl(ch) ? '_' : ch);
                }
                return b.toString();
            }
        }
        return c;
    }

    /** Classifies and normalizes; a classifier that throws yields the default class. */
    public static String classify(RequestClassifier classifier, RequestView request) {
        String c;
        try {
            c = classifier.classify(request);
        } catch (RuntimeException e) {
            return DEFAULT_CLASS;
        }
        return normalize(c);
    }

    /**
     * Parses a {@code classifier} setting.
     *
     * @throws IllegalArgumentException naming what is wrong and what is accepted
     */
    public static RequestClassifier parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty classifier; accepted: " + ACCEPTED);
        }
        String s = spec.trim();
        if (s.equals("host")) {
            return RequestClasses::host;
        }
        if (s.startsWith("path:")) {
            int n;
            try {
                n = Integer.parseInt(s.substring(5).trim());
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1) {
                throw new IllegalArgumentException("path:<n> needs a segment number n >= 1, got '" + s + "'");
            }
            int segment = n;
            return r -> pathSegment(r.path(), segment);
        }
        if (s.startsWith("header:")) {
            String name = s.substring(7).trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("header:<name> needs a header name, got '" + s + "'");
            }
            return r -> r.header(name);
        }
        if (s.startsWith("regex:")) {
            return regex(s.substring(6));
        }
        if (s.matches("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}.$]*")) {
            return instantiate(s);
        }
        throw new IllegalArgumentException("unknown classifier '" + s + "'; accepted: " + ACCEPTED);
    }

    /** The host classifier: Host header, lower case, no port, no leading "www.". */
    public static String host(RequestView request) {
        String host = request.host();
        if (host == null || host.isEmpty()) {
            return DEFAULT_CLASS;
        }
        int end = host.length();
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            end = close > 0 ? close + 1 : end;
        } else {
            int colon = host.indexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        int start = host.regionMatches(true, 0, "www.", 0, 4) && end > 4 ? 4 : 0;
        return host.substring(start, end).toLowerCase(Locale.ROOT);
    }

    static String pathSegment(String path, int n) {
        if (path == null) {
            return DEFAULT_CLASS;
        }
        int i = 0;
        int len = path.length();
        int seen = 0;
        while (i < len) {
            while (i < len && path.charAt(i) == '/') {
                i++;
            }
            int start = i;
            while (i < len && path.charAt(i) != '/') {
                i++;
            }
            if (i > start && ++seen == n) {
                return path.substring(start, i);
            }
        }
        return DEFAULT_CLASS;
    }

    private static RequestClassifier regex(String rest) {
        int colon = rest.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(
                    "regex:<source>:<pattern> needs a source (host, path, uri or header.<name>) and a pattern, got 'regex:" + rest + "'");
        }
        String source = rest.substring(0, colon);
        String regex = rest.substring(colon + 1);
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("regex classifier: invalid pattern '" + regex + "': " + e.getDescription());
        }
        if (!regex.contains("(?<class>")) {
            throw new IllegalArgumentException("regex classifier: pattern '" + regex + "' has no group named 'class', write (?<class>...)");
        }
        java.util.function.Function<RequestView, String> value;
        if (source.equals("host")) {
            value = RequestView::host;
        } else if (source.equals("path")) {
            value = RequestView::path;
        } else if (source.equals("uri")) {
            value = r -> r.query() == null ? r.path() : r.path() + "?" + r.query();
        } else if (source.startsWith("header.") && source.length() > 7) {
            String name = source.substring(7);
            value = r -> r.header(name);
        } else {
            throw new IllegalArgumentException("regex classifier: unknown source '" + source + "'; accepted: host, path, uri, header.<name>");
        }
        return r -> {
            String v = value.apply(r);
            if (v == null) {
                return null;
            }
            Matcher m = pattern.matcher(v);
            return m.find() ? m.group("class") : null;
        };
    }

    private static RequestClassifier instantiate(String className) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = RequestClasses.class.getClassLoader();
        }
        try {
            Class<?> type = Class.forName(className, true, loader);
            if (!RequestClassifier.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("classifier class " + className + " does not implement " + RequestClassifier.class.getName());
            }
            return (RequestClassifier) type.getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown classifier '" + className + "' (no such class); accepted: " + ACCEPTED);
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new IllegalArgumentException("classifier class " + className + " needs a public no-argument constructor");
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("classifier class " + className + " failed to construct: " + e.getCause());
        }
    }
}
