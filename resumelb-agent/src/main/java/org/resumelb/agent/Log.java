package org.resumelb.agent;

import java.util.function.Supplier;

/**
 * The logging facade of ResumeLB: SLF4J when an SLF4J provider is present,
 * otherwise the JDK's {@link System.Logger} (java.util.logging by default).
 *
 * <p>Why not SLF4J alone: the filter's drop-in jar goes into webapps that know
 * nothing of SLF4J (Tomcat ships none, and Jetty hides its own from webapps).
 * Bundling slf4j-api there would either clash with the webapp's copy or, with
 * no provider, silently drop every warning an operator needs (failed pushes,
 * rejected settings). So SLF4J is optional at run time and the fallback lands
 * in the container's own log.
 *
 * <p>Messages use SLF4J's {@code {}} placeholders in both cases. Instances are
 * immutable and thread-safe.
 */
public abstract class Log {

    private static final boolean SLF4J = slf4jUsable();

    public static Log get(Class<?> type) {
        return get(type.getName());
    }

    public static Log get(String name) {
        return SLF4J ? Slf4j.create(name) : new Jdk(System.getLogger(name));
    }

    public abstract boolean isDebugEnabled();

    public abstract boolean isInfoEnabled();

    public abstract void debug(String format, Object... args);

    public abstract void info(String format, Object... args);

    public abstract void warn(String format, Object... args);

    public abstract void error(String format, Object... args);

    /** Lazily formatted info record, for hot paths such as the trace log. */
    public void info(Supplier<String> message) {
        if (isInfoEnabled()) {
            info("{}", message.get());
        }
    }

    private static boolean slf4jUsable() {
        try {
            Class.forName("org.slf4j.LoggerFactory", false, Log.class.getClassLoader());
            return Slf4j.hasProvider();
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Formats SLF4J-style {@code {}} placeholders; a trailing Throwable is kept apart. */
    static String format(String format, Object[] args) {
        if (args == null || args.length == 0) {
            return format;
        }
        StringBuilder out = new StringBuilder(format.length() + 32);
        int argIndex = 0;
        int from = 0;
        int at;
        while ((at = format.indexOf("{}", from)) >= 0 && argIndex < args.length) {
            out.append(format, from, at).append(args[argIndex++]);
            from = at + 2;
        }
        out.append(format, from, format.length());
        return out.toString();
    }

    static Throwable throwable(Object[] args) {
        if (args != null && args.length > 0 && args[args.length - 1] instanceof Throwable t) {
            return t;
        }
        return null;
    }

    /** Only loaded when SLF4J is on the class path. */
    private static final class Slf4j extends Log {
        private final org.slf4j.Logger logger;

        private Slf4j(org.slf4j.Logger logger) {
            this.logger = logger;
        }

        static Log create(String name) {
            return new Slf4j(org.slf4j.LoggerFactory.getLogger(name));
        }

        static boolean hasProvider() {
            return !(org.slf4j.LoggerFactory.getILoggerFactory() instanceof org.slf4j.helpers.NOPLoggerFactory);
        }

        @Override
        public boolean isDebugEnabled() {
            return logger.isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return logger.isInfoEnabled();
        }

        @Override
        public void debug(String format, Object... args) {
            log(org.slf4j.spi.LocationAwareLogger.DEBUG_INT, format, args);
        }

        @Override
        public void info(String format, Object... args) {
            log(org.slf4j.spi.LocationAwareLogger.INFO_INT, format, args);
        }

        @Override
        public void warn(String format, Object... args) {
            log(org.slf4j.spi.LocationAwareLogger.WARN_INT, format, args);
        }

        @Override
        public void error(String format, Object... args) {
            log(org.slf4j.spi.LocationAwareLogger.ERROR_INT, format, args);
        }

        /**
         * Through {@code LocationAwareLogger} when the provider offers it, naming this
         * class as the logging wrapper, so that a provider that prints the caller
         * (java.util.logging, in Tomcat's log) shows ResumeLB's class, not this one.
         */
        private void log(int level, String format, Object[] args) {
            if (logger instanceof org.slf4j.spi.LocationAwareLogger located) {
                boolean enabled = switch (level) {
                    case org.slf4j.spi.LocationAwareLogger.DEBUG_INT -> logger.isDebugEnabled();
                    case org.slf4j.spi.LocationAwareLogger.INFO_INT -> logger.isInfoEnabled();
                    case org.slf4j.spi.LocationAwareLogger.WARN_INT -> logger.isWarnEnabled();
                    default -> logger.isErrorEnabled();
                };
                if (enabled) {
                    Throwable t = throwable(args);
                    located.log(null, FQCN, level, format(format, args), null, t);
                }
                return;
            }
            switch (level) {
                case org.slf4j.spi.LocationAwareLogger.DEBUG_INT -> logger.debug(format, args);
                case org.slf4j.spi.LocationAwareLogger.INFO_INT -> logger.info(format, args);
                case org.slf4j.spi.LocationAwareLogger.WARN_INT -> logger.warn(format, args);
                default -> logger.error(format, args);
            }
        }

        private static final String FQCN = Slf4j.class.getName();
    }

    private static final class Jdk extends Log {
        private final System.Logger logger;

        private Jdk(System.Logger logger) {
            this.logger = logger;
        }

        private void log(System.Logger.Level level, String format, Object[] args) {
            if (logger.isLoggable(level)) {
                Throwable t = throwable(args);
                String message = format(format, args);
                if (t != null) {
                    logger.log(level, message, t);
                } else {
                    logger.log(level, message);
                }
            }
        }

        @Override
        public boolean isDebugEnabled() {
            return logger.isLoggable(System.Logger.Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return logger.isLoggable(System.Logger.Level.INFO);
        }

        @Override
        public void debug(String format, Object... args) {
            log(System.Logger.Level.DEBUG, format, args);
        }

        @Override
        public void info(String format, Object... args) {
            log(System.Logger.Level.INFO, format, args);
        }

        @Override
        public void warn(String format, Object... args) {
            log(System.Logger.Level.WARNING, format, args);
        }

        @Override
        public void error(String format, Object... args) {
            log(System.Logger.Level.ERROR, format, args);
        }
    }
}
