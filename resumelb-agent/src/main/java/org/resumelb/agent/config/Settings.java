package org.resumelb.agent.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

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
 * {@link #inForce()}. Instances are meant to be used by one thread during
 * start-up; {@link #inForce()} returns an immutable copy.
 */
public final class Settings {

    /** A lookup of raw values by setting name; returns null when absent. */
    @FunctionalInterface
    public interface Source {
        String get(String name);
    }

    private final List<Source> sources;
    private final Map<String, String> inForce = new LinkedHashMap<>();

    public Settings(List<Source> sources) {
        this.sources = List.copyOf(sources);
    }

    /** Settings of a servlet or filter: system properties, environment, init-params, context-params. */
    public static Settings forServlet(Source initParams, Source contextParams) {
        return new Settings(List.of(systemProperties(), environment(), initParams, contextParams));
    }

    public static Source systemProperties() {
        return name -> System.getProperty("resumelb." + name);
    }

    public static Source environment() {
        return name -> System.getenv(environmentName(name));
    }

    public static Source of(Map<String, String> values) {
        return values::get;
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

    /** The raw value, trimmed, or null when no source sets it (a blank value counts as unset). */
    public String raw(String name) {
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
        String inline = raw("secret");
        String file = raw("secretFile");
        if (inline != null && file != null) {
            throw new ConfigException("secret", "***", "set either 'secret' or 'secretFile', not both");
        }
        String value;
        String name;
        if (inline != null) {
            value = inline;
            name = "secret";
        } else if (file != null) {
            name = "secretFile";
            try {
                value = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("secretFile", file, "cannot read the file: " + e);
            }
            inForce.put("secretFile", file);
        } else {
            inForce.put("secret", null);
            return null;
        }
        byte[] secret = value.getBytes(StandardCharsets.UTF_8);
        if (secret.length < 16) {
            throw new ConfigException(name, "***", "the secret is " + secret.length + " bytes; accepted: at least 16 bytes");
        }
        inForce.put("secret", "***");
        return secret;
    }

    /** The settings read so far, name to value as used (defaults included), secrets masked. */
    public Map<String, String> inForce() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(inForce));
    }
}
