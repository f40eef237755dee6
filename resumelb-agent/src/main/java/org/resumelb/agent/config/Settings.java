package org.resumelb.agent.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;

/**
 * The one place where ResumeLB reads its settings, for the filter and the
 * proxy alike. A setting {@code name} is looked up, first found wins, in: the
 * system property {@code resumelb.name}, the environment variable
 * {@code RESUMELB_NAME} (camel case turned to upper snake case:
 * {@code workerTtl} is {@code RESUMELB_WORKER_TTL}), the init-param, then the
 * context-param. Every typed getter validates, and an invalid value throws a
 * {@link ConfigException} naming the setting, the value and what is accepted.
 *
 * <p>Each value read is remembered (secrets masked) for status pages:
 * {@link #inForce()}; each name asked for is remembered too ({@link #asked()}).
 * {@link #unknownSettings} lists, as warnings, the names the sources hold that
 * no setting reads (a misspelled {@code RESUMELB_POLCY} would otherwise be
 * silently ignored). Instances are meant to be used by one thread during
 * start-up; {@link #inForce()} and {@link #asked()} return immutable copies.
 */
public final class Settings {

    /**
     * A lookup of raw values by setting name; returns null when absent. A plain
     * lambda is enough to look values up; the default methods tell, for
     * {@link #unknownSettings}, which names the source holds and how it writes
     * them: a lambda holds no names it can tell, so it is never warned about.
     */
    @FunctionalInterface
    public interface Source {
        String get(String name);

        /** The names this source holds, as written in it (e.g. {@code RESUMELB_POLICY}); empty when it cannot tell. */
        default Set<String> names() {
            return Set.of();
        }

        /** How the setting {@code name} is written in this source: {@code workerTtl} is {@code RESUMELB_WORKER_TTL} in the environment. */
        default String display(String name) {
            return name;
        }

        /** What this source is called in a warning: "system property", "environment variable", "init-param", "context-param". */
        default String label() {
            return "setting";
        }

        /** Which of its unknown names are warned about. */
        default Checking checking() {
            return Checking.STRICT;
        }
    }

    /** Which names of a source {@link #unknownSettings} warns about. */
    public enum Checking {
        /** Every name that no setting of this side reads: our own servlet's or filter's init-params, the proxy WAR's context-params. */
        STRICT,
        /** Every name that no setting of either side reads: system properties and environment variables, shared in a JVM. */
        SHARED,
        /**
         * Only names close to one of ours: the context-params of a webapp the
         * filter is dropped into, most of which are the webapp's own business.
         */
        NEAR_MISSES
    }

    /** Names of ResumeLB's system properties and environment variables start with this, in any case, and a separator. */
    private static final String PREFIX = "resumelb";

    private final List<Source> sources;
    private final Map<String, String> inForce = new LinkedHashMap<>();
    private final Set<String> asked = new LinkedHashSet<>();

    public Settings(List<Source> sources) {
        this.sources = List.copyOf(sources);
    }

    /**
     * Settings of a servlet or filter: system properties, environment,
     * {@code initParams}, {@code contextParams}. Pass sources made by
     * {@link #initParams} and {@link #contextParams} for their names to be
     * checked; plain lambdas are read but not checked.
     */
    public static Settings forServlet(Source initParams, Source contextParams) {
        return new Settings(List.of(systemProperties(), environment(), initParams, contextParams));
    }

    /**
     * Settings of one of our own servlets in our own WAR (the proxy): its
     * init-params and the context-params, both {@link Checking#STRICT}.
     */
    public static Settings forServlet(ServletConfig config) {
        return forServlet(initParams(config::getInitParameter, config::getInitParameterNames),
                contextParams(config.getServletContext(), Checking.STRICT));
    }

    /**
     * Settings of one of our own servlets in our own WAR (the proxy), given its
     * init-params (as a {@code ServletRegistration} has them) and its context,
     * whose context-params are {@link Checking#STRICT}.
     */
    public static Settings forServlet(Map<String, String> initParams, ServletContext context) {
        return forServlet(initParams(initParams), contextParams(context, Checking.STRICT));
    }

    /**
     * Settings of our filter in someone else's webapp: its init-params are
     * {@link Checking#STRICT}, the webapp's context-params only warned about
     * when close to one of ours ({@link Checking#NEAR_MISSES}).
     */
    public static Settings forFilter(FilterConfig config) {
        return forServlet(initParams(config::getInitParameter, config::getInitParameterNames),
                contextParams(config.getServletContext(), Checking.NEAR_MISSES));
    }

    /** The system properties {@code resumelb.<name>}, {@link Checking#SHARED}. */
    public static Source systemProperties() {
        return new Described("system property", Checking.SHARED, name -> System.getProperty(PREFIX + "." + name),
                () -> ours(System.getProperties().stringPropertyNames()), name -> PREFIX + "." + name);
    }

    /** The properties {@code resumelb.<name>} of {@code properties}, as {@link #systemProperties()} reads System's. */
    public static Source systemProperties(Properties properties) {
        return new Described("system property", Checking.SHARED, name -> properties.getProperty(PREFIX + "." + name),
                () -> ours(properties.stringPropertyNames()), name -> PREFIX + "." + name);
    }

    /** The environment variables {@code RESUMELB_<NAME>} ({@link #environmentName}), {@link Checking#SHARED}. */
    public static Source environment() {
        return environment(System.getenv());
    }

    /** The variables {@code RESUMELB_<NAME>} of {@code environment}, as {@link #environment()} reads the process's. */
    public static Source environment(Map<String, String> environment) {
        return new Described("environment variable", Checking.SHARED, name -> environment.get(environmentName(name)),
                () -> ours(environment.keySet()), Settings::environmentName);
    }

    /** A map of values, whose keys are its names ({@link Checking#STRICT}, labelled "setting"). */
    public static Source of(Map<String, String> values) {
        return new Described("setting", Checking.STRICT, values::get, values::keySet, name -> name);
    }

    /** The init-params of our servlet or filter ({@link Checking#STRICT}). */
    public static Source initParams(Map<String, String> params) {
        return new Described("init-param", Checking.STRICT, params::get, params::keySet, name -> name);
    }

    /** The init-params of our servlet or filter ({@link Checking#STRICT}), e.g. {@code config::getInitParameter, config::getInitParameterNames}. */
    public static Source initParams(Function<String, String> get, Supplier<Enumeration<String>> names) {
        return new Described("init-param", Checking.STRICT, get, () -> set(names.get()), name -> name);
    }

    /** The context-params of {@code context}. */
    public static Source contextParams(ServletContext context, Checking checking) {
        return contextParams(context::getInitParameter, context::getInitParameterNames, checking);
    }

    /**
     * Context-params, checked as {@code checking} says. Dotted names are left
     * alone, but for {@code resumelb.…}: they are the container's and
     * libraries' parameters ({@code org.eclipse.jetty.…}), never ours.
     */
    public static Source contextParams(Function<String, String> get, Supplier<Enumeration<String>> names, Checking checking) {
        return new Described("context-param", checking, get, () -> {
            Set<String> all = set(names.get());
            all.removeIf(n -> n.indexOf('.') >= 0 && !prefixed(n));
            return all;
        }, name -> name);
    }

    /** A source with the names it holds, as the factories above make them. */
    private static final class Described implements Source {
        private final String label;
        private final Checking checking;
        private final Function<String, String> get;
        private final Supplier<? extends Collection<String>> names;
        private final UnaryOperator<String> display;

        Described(String label, Checking checking, Function<String, String> get, Supplier<? extends Collection<String>> names,
                  UnaryOperator<String> display) {
            this.label = label;
            this.checking = checking;
            this.get = get;
            this.names = names;
            this.display = display;
        }

        @Override
        public String get(String name) {
            return get.apply(name);
        }

        @Override
        public Set<String> names() {
            Collection<String> n = names.get();
            return n == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(n));
        }

        @Override
        public String display(String name) {
            return display.apply(name);
        }

        @Override
        public String label() {
            return label;
        }

        @Override
        public Checking checking() {
            return checking;
        }
    }

    private static Set<String> set(Enumeration<String> names) {
        Set<String> set = new TreeSet<>();
        if (names != null) {
            while (names.hasMoreElements()) {
                set.add(names.nextElement());
            }
        }
        return set;
    }

    /** Names with our prefix, in any case: {@code resumelb.x}, {@code RESUMELB_X}, and slips like {@code ResumeLB-x}. */
    private static Set<String> ours(Collection<String> names) {
        Set<String> set = new TreeSet<>();
        for (String n : names) {
            if (prefixed(n)) {
                set.add(n);
            }
        }
        return set;
    }

    private static boolean prefixed(String name) {
        return name.length() > PREFIX.length() && name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                && isSeparator(name.charAt(PREFIX.length()));
    }

    private static boolean isSeparator(char c) {
        return c == '.' || c == '_' || c == '-';
    }

    /** {@code workerTtl} becomes {@code RESUMELB_WORKER_TTL}. */
    public static String environmentName(String name) {
        StringBuilder b = new StringBuilder("RESUMELB_");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                b.append('_');
            }
            b.append(Character.toUpperCase(c));
        }
        return b.toString();
    }

    /**
     * Warnings, one a line, for the names the sources hold that no setting of
     * this side reads: {@code known} are this side's names (e.g.
     * {@link SettingNames#PROXY}); a {@link Checking#SHARED} source's name is
     * unknown only when {@link SettingNames#ALL} lacks it too. See
     * {@link #unknownSettings(Set, Set)}.
     */
    public List<String> unknownSettings(Set<String> known) {
        return unknownSettings(known, SettingNames.ALL);
    }

    /**
     * Warnings, one a line, for the names the sources hold that no setting
     * reads, in source order then by name, e.g. {@code ResumeLB ignores the
     * environment variable RESUMELB_POLCY: no such setting; did you mean
     * RESUMELB_POLICY?}. A name is unknown when it is not how its source
     * writes one of {@code known} (or, for a {@link Checking#SHARED} source,
     * one of {@code shared}). The suggestion, when one is close, is written as
     * that source writes it; a {@link Checking#NEAR_MISSES} source's unknown
     * names are warned about only when one is close. Values are never shown.
     *
     * <p>Close: the names compared in lower case without our
     * {@code resumelb.}/{@code RESUMELB_} prefix and without {@code . _ -}
     * ({@code RESUMELB_WORKERTTL}, {@code worker-ttl} and {@code workerTTL}
     * are all {@code workerTtl}), then at a Damerau-Levenshtein distance of at
     * most 2 or a quarter of the name's length, whichever is more (at most 1
     * for names of up to 4 letters). For a {@link Checking#NEAR_MISSES}
     * source, at most 1 for names of 5 letters or more, 2 from 10 letters.
     */
    public List<String> unknownSettings(Set<String> known, Set<String> shared) {
        List<String> warnings = new ArrayList<>();
        for (Source source : sources) {
            Set<String> names;
            try {
                names = source.names();
            } catch (RuntimeException e) { // a SecurityException, say: nothing to check
                continue;
            }
            if (names == null || names.isEmpty()) {
                continue;
            }
            Set<String> candidates = new TreeSet<>(known);
            if (source.checking() == Checking.SHARED) {
                candidates.addAll(shared);
            }
            Set<String> written = new LinkedHashSet<>();
            for (String k : candidates) {
                written.add(source.display(k));
            }
            for (String name : new TreeSet<>(names)) {
                if (written.contains(name)) {
                    continue;
                }
                String suggestion = closest(source, name, candidates);
                if (suggestion == null && source.checking() == Checking.NEAR_MISSES) {
                    continue;
                }
                warnings.add("ResumeLB ignores the " + source.label() + " " + name + ": no such setting"
                        + (suggestion == null ? "" : "; did you mean " + source.display(suggestion) + "?"));
            }
        }
        return Collections.unmodifiableList(warnings);
    }

    private static String closest(Source source, String name, Set<String> candidates) {
        String key = key(name);
        boolean nearMissesOnly = source.checking() == Checking.NEAR_MISSES;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : candidates) {
            String candidate = key(source.display(k));
            int d = distance(key, candidate);
            if (d < bestDistance && close(d, candidate.length(), nearMissesOnly)) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static boolean close(int distance, int length, boolean nearMissesOnly) {
        if (distance == 0) {
            return true;
        }
        int limit = nearMissesOnly ? (length >= 10 ? 2 : length >= 5 ? 1 : 0)
                : length <= 4 ? 1 : Math.max(2, length / 4);
        return distance <= limit;
    }

    /** A name as compared: lower case, without our prefix and without separators. */
    static String key(String name) {
        String s = prefixed(name) ? name.substring(PREFIX.length() + 1) : name;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isSeparator(c)) {
                b.append(Character.toLowerCase(c));
            }
        }
        return b.toString();
    }

    /** The Damerau-Levenshtein distance (optimal string alignment): edits, each of one character or a swap of two neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }

    /** The names asked for so far (by every getter, {@link #raw} included), in the order first asked. */
    public Set<String> asked() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(asked));
    }

    /** The raw value, trimmed, or null when no source sets it (a blank value counts as unset). */
    public String raw(String name) {
        asked.add(name);
        for (Source s : sources) {
            String v = s.get(name);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    private <T> T remember(String name, T value) {
        inForce.put(name, value == null ? null : String.valueOf(value));
        return value;
    }

    public String string(String name, String defaultValue) {
        String v = raw(name);
        return remember(name, v == null ? defaultValue : v);
    }

    /**
     * A value parsed by {@code parser} from the setting or, when unset, from
     * {@code defaultSpec}; an IllegalArgumentException from the parser becomes
     * a ConfigException naming the setting.
     */
    public <T> T parsed(String name, String defaultSpec, Function<String, T> parser, String accepted) {
        String v = raw(name);
        String spec = v == null ? defaultSpec : v;
        try {
            T value = parser.apply(spec);
            remember(name, spec);
            return value;
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, spec, e.getMessage() + (accepted == null ? "" : "; accepted: " + accepted));
        }
    }

    public int integer(String name, int defaultValue, int min, int max) {
        String v = raw(name);
        if (v == null) {
            return remember(name, defaultValue);
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(name, v, "not an integer; accepted: an integer from " + min + " to " + max);
        }
        if (n < min || n > max) {
            throw new ConfigException(name, v, "out of range; accepted: an integer from " + min + " to " + max);
        }
        return remember(name, (int) n);
    }

    public double decimal(String name, double defaultValue, double min, double max) {
        String v = raw(name);
        if (v == null) {
            return remember(name, defaultValue);
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            d = Double.NaN;
        }
        if (!Double.isFinite(d) || d < min || d > max) {
            throw new ConfigException(name, v, "accepted: a finite number from " + min + " to " + max);
        }
        return remember(name, d);
    }

    public boolean bool(String name, boolean defaultValue) {
        String v = raw(name);
        if (v == null) {
            return remember(name, defaultValue);
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1":
                return remember(name, true);
            case "false", "no", "off", "0":
                return remember(name, false);
            default:
                throw new ConfigException(name, v, "accepted: true or false");
        }
    }

    /**
     * A duration: a number of seconds ({@code 30}, {@code 0.5}) or a number with
     * a unit {@code ms}, {@code s}, {@code m} or {@code h} ({@code 500ms}, {@code 2m}).
     */
    public Duration duration(String name, Duration defaultValue, Duration min, Duration max) {
        String v = raw(name);
        if (v == null) {
            return remember(name, defaultValue);
        }
        String accepted = "accepted: a duration from " + min + " to " + max
                + ", as seconds (30, 0.5) or with a unit (500ms, 30s, 2m, 1h)";
        Duration d;
        try {
            d = parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, v, accepted);
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(name, v, "out of range; " + accepted);
        }
        return remember(name, d);
    }

    /**
     * A size in bytes: a whole number of bytes ({@code 65536}) or a number with a
     * unit {@code k}, {@code m} or {@code g} (powers of 1024: {@code 256k}, {@code 1m}),
     * optionally followed by {@code b} ({@code 1mb}).
     */
    public long bytes(String name, long defaultValue, long min, long max) {
        String v = raw(name);
        if (v == null) {
            return remember(name, defaultValue);
        }
        String accepted = "accepted: a size from " + min + " to " + max + " bytes, as bytes (65536) or with a unit (256k, 1m)";
        long n;
        try {
            n = parseBytes(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, v, accepted);
        }
        if (n < min || n > max) {
            throw new ConfigException(name, v, "out of range; " + accepted);
        }
        return remember(name, n);
    }

    static long parseBytes(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        long factor = 1;
        if (s.endsWith("k")) {
            factor = 1L << 10;
        } else if (s.endsWith("m")) {
            factor = 1L << 20;
        } else if (s.endsWith("g")) {
            factor = 1L << 30;
        }
        if (factor > 1) {
            s = s.substring(0, s.length() - 1);
        }
        double n = Double.parseDouble(s.trim());
        if (!Double.isFinite(n) || n < 0 || n * factor > Long.MAX_VALUE / 2.0 || n * factor != Math.rint(n * factor)) {
            throw new IllegalArgumentException(v);
        }
        return (long) (n * factor);
    }

    static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        double factorMillis;
        String number;
        if (s.endsWith("ms")) {
            factorMillis = 1;
            number = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            factorMillis = 1000;
            number = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            factorMillis = 60_000;
            number = s.substring(0, s.length() - 1);
        } else if (s.endsWith("h")) {
            factorMillis = 3_600_000;
            number = s.substring(0, s.length() - 1);
        } else {
            factorMillis = 1000;
            number = s;
        }
        double n = Double.parseDouble(number.trim());
        if (!Double.isFinite(n) || n < 0) {
            throw new IllegalArgumentException(v);
        }
        return Duration.ofNanos(Math.round(n * factorMillis * 1_000_000));
    }

    /** A comma-separated list of absolute http or https URLs, trailing slashes removed. */
    public List<URI> urls(String name) {
        String v = raw(name);
        if (v == null) {
            remember(name, "");
            return List.of();
        }
        List<URI> urls = new ArrayList<>();
        for (String part : v.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            urls.add(httpUrl(name, p));
        }
        remember(name, v);
        return Collections.unmodifiableList(urls);
    }

    /** An absolute http or https URL with a host; a trailing slash is removed. */
    public static URI httpUrl(String name, String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new ConfigException(name, value, "not a URL (" + e.getReason() + "); accepted: http://host:port/path or https://…");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new ConfigException(name, value, "accepted: an absolute http or https URL with a host, like http://10.0.0.5:8080/app");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigException(name, value, "a base URL takes no query or fragment");
        }
        String s = uri.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s);
    }

    /**
     * The shared secret from {@code secret} or {@code secretFile} (whose
     * content, trimmed, is the secret), or null when neither is set. Setting
     * both is an error, and so is a secret shorter than 16 bytes.
     */
    public byte[] secret() {
        Secret given = secretText("secret");
        if (given == null) {
            return null;
        }
        byte[] secret = given.value().getBytes(StandardCharsets.UTF_8);
        if (secret.length < 16) {
            // The file's path is no secret, and the operator needs it to find the wrong file; its content is never shown.
            throw given.file() != null
                    ? new ConfigException("secretFile", given.file(), "the secret in this file is " + secret.length + " bytes; accepted: at least 16 bytes")
                    : new ConfigException("secret", "***", "the secret is " + secret.length + " bytes; accepted: at least 16 bytes");
        }
        return secret;
    }

    /**
     * A password from the setting {@code name} (typically given by the
     * environment, {@code RESUMELB_<NAME>}) or from the file named by
     * {@code name + "File"} (its content, trimmed), read exactly as
     * {@link #secret()} reads {@code secret} and {@code secretFile}: setting
     * both is an error, the value is shown as {@code ***} in {@link #inForce()}
     * and never in a message. Null when neither is set.
     */
    public char[] password(String name) {
        Secret given = secretText(name);
        return given == null ? null : given.value().toCharArray();
    }

    /** A secret text and the file it came from (null when given inline). */
    private record Secret(String value, String file) {
    }

    /**
     * The secret text of the setting {@code name} or of the file named by
     * {@code name + "File"}, or null when neither is set; remembered masked.
     */
    private Secret secretText(String name) {
        String fileName = name + "File";
        String inline = raw(name);
        String file = raw(fileName);
        if (inline != null && file != null) {
            throw new ConfigException(name, "***", "set either '" + name + "' or '" + fileName + "', not both");
        }
        if (inline != null) {
            inForce.put(name, "***");
            return new Secret(inline, null);
        }
        if (file == null) {
            inForce.put(name, null);
            return null;
        }
        String value;
        try {
            value = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(fileName, file, "cannot read the file: " + e);
        }
        inForce.put(fileName, file);
        inForce.put(name, "***");
        return new Secret(value, file);
    }

    /** The settings read so far, name to value as used (defaults included), secrets masked. */
    public Map<String, String> inForce() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(inForce));
    }
}
