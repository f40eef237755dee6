package org.resumelb.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.Settings.Checking;
import org.resumelb.agent.config.Settings.Source;

/** Misspelled setting names are warned about, with the closest name as the source writes it; values never shown. */
class UnknownSettingsTest {

    static Properties properties(String... nameValues) {
        Properties p = new Properties();
        for (int i = 0; i < nameValues.length; i += 2) {
            p.setProperty(nameValues[i], nameValues[i + 1]);
        }
        return p;
    }

    static Settings settings(Source... sources) {
        return new Settings(List.of(sources));
    }

    static Source contextParams(Map<String, String> params, Checking checking) {
        return Settings.contextParams(params::get, () -> Collections.enumeration(params.keySet()), checking);
    }

    @Test
    void aMisspelledEnvironmentVariableIsWarnedWithTheRightSpelling() {
        Settings s = settings(Settings.environment(Map.of("RESUMELB_POLCY", "round-robin", "PATH", "/bin", "RESUMELB_LB", "http://lb")));
        assertEquals(List.of("ResumeLB ignores the environment variable RESUMELB_POLCY: no such setting; did you mean RESUMELB_POLICY?"),
                s.unknownSettings(SettingNames.PROXY));
        // The filter's side warns too: no side reads it.
        assertEquals(List.of("ResumeLB ignores the environment variable RESUMELB_POLCY: no such setting; did you mean RESUMELB_POLICY?"),
                s.unknownSettings(SettingNames.FILTER));
        assertEquals("round-robin", settings(Settings.environment(Map.of("RESUMELB_POLICY", "round-robin"))).raw("policy"));
    }

    @Test
    void environmentNamesWrittenWithoutTheirUnderscoresAreRecognized() {
        Settings s = settings(Settings.environment(Map.of("RESUMELB_WORKERTTL", "5s", "RESUMELB_QUEUE_TIME_OUT", "1s",
                "resumelb_secret", "x", "RESUMELB_NONSENSE", "1")));
        assertEquals(List.of(
                        "ResumeLB ignores the environment variable RESUMELB_NONSENSE: no such setting",
                        "ResumeLB ignores the environment variable RESUMELB_QUEUE_TIME_OUT: no such setting; did you mean RESUMELB_QUEUE_TIMEOUT?",
                        "ResumeLB ignores the environment variable RESUMELB_WORKERTTL: no such setting; did you mean RESUMELB_WORKER_TTL?",
                        "ResumeLB ignores the environment variable resumelb_secret: no such setting; did you mean RESUMELB_SECRET?"),
                s.unknownSettings(SettingNames.FILTER));
    }

    @Test
    void aMisspelledSystemPropertyIsWarnedWithTheRightSpelling() {
        System.setProperty("resumelb.workerTTL", "5s");
        System.setProperty("resumelb.policy", "round-robin"); // the proxy's: the filter in the same JVM says nothing
        try {
            List<String> warnings = settings(Settings.systemProperties()).unknownSettings(SettingNames.FILTER).stream()
                    .filter(w -> w.contains("workerTTL") || w.contains("policy"))
                    .collect(Collectors.toList());
            assertEquals(List.of("ResumeLB ignores the system property resumelb.workerTTL: no such setting; did you mean resumelb.workerTtl?"),
                    warnings);
        } finally {
            System.clearProperty("resumelb.workerTTL");
            System.clearProperty("resumelb.policy");
        }
        Settings s = settings(Settings.systemProperties(properties("resumelb.hearbeat", "1s", "resumelb.lb", "http://lb",
                "RESUMELB_HISTORY", "5", "java.version", "17", "resumelbish", "x")));
        assertEquals(List.of(
                        "ResumeLB ignores the system property RESUMELB_HISTORY: no such setting; did you mean resumelb.history?",
                        "ResumeLB ignores the system property resumelb.hearbeat: no such setting; did you mean resumelb.heartbeat?"),
                s.unknownSettings(SettingNames.FILTER));
    }

    @Test
    void aNameKnownToTheOtherSideOnlyIsNoWarningInASharedSource() {
        Settings s = settings(Settings.systemProperties(properties("resumelb.policy", "resume", "resumelb.workerUrl", "http://w")),
                Settings.environment(Map.of("RESUMELB_WORKER_TTL", "5s", "RESUMELB_RESUME_INTERVAL", "1s")));
        assertEquals(List.of(), s.unknownSettings(SettingNames.FILTER));
        assertEquals(List.of(), s.unknownSettings(SettingNames.PROXY));
    }

    @Test
    void aNameOfTheOtherSideIsWarnedAsOurOwnInitParam() {
        Settings s = settings(Settings.initParams(Map.of("policy", "resume", "lb", "http://lb")));
        assertEquals(List.of("ResumeLB ignores the init-param policy: no such setting"), s.unknownSettings(SettingNames.FILTER));
    }

    @Test
    void aMisspelledInitParamIsWarnedWithTheRightSpelling() {
        Settings s = settings(Settings.initParams(Map.of("workerTTl", "5s", "resumelb.maxSkew", "1m", "policy", "resume")));
        assertEquals(List.of(
                        "ResumeLB ignores the init-param resumelb.maxSkew: no such setting; did you mean maxSkew?",
                        "ResumeLB ignores the init-param workerTTl: no such setting; did you mean workerTtl?"),
                s.unknownSettings(SettingNames.PROXY));
    }

    @Test
    void aMisspelledSecretIsWarnedByNameOnly() {
        String value = "do-not-print-this-0123456789";
        Settings s = settings(Settings.initParams(Map.of("secert", value)));
        List<String> warnings = s.unknownSettings(SettingNames.FILTER);
        assertEquals(List.of("ResumeLB ignores the init-param secert: no such setting; did you mean secret?"), warnings);
        assertFalse(warnings.toString().contains(value));
    }

    @Test
    void exactNamesAreNoWarning() {
        Map<String, String> proxy = new LinkedHashMap<>();
        SettingNames.PROXY.forEach(n -> proxy.put(n, "x"));
        Map<String, String> env = new LinkedHashMap<>();
        SettingNames.ALL.forEach(n -> env.put(Settings.environmentName(n), "x"));
        Properties props = new Properties();
        SettingNames.ALL.forEach(n -> props.setProperty("resumelb." + n, "x"));
        Settings s = settings(Settings.systemProperties(props), Settings.environment(env), Settings.initParams(proxy),
                contextParams(proxy, Checking.STRICT));
        assertEquals(List.of(), s.unknownSettings(SettingNames.PROXY));
        Map<String, String> filter = new LinkedHashMap<>();
        SettingNames.FILTER.forEach(n -> filter.put(n, "x"));
        assertEquals(List.of(), settings(Settings.systemProperties(props), Settings.environment(env), Settings.initParams(filter),
                contextParams(filter, Checking.NEAR_MISSES)).unknownSettings(SettingNames.FILTER));
    }

    @Test
    void theHostWebappsOwnContextParamsAreNoWarningForTheFilterButNearMissesAre() {
        Map<String, String> host = new LinkedHashMap<>();
        for (String n : List.of("contextConfigLocation", "log4jConfigLocation", "webAppRootKey", "debug", "db", "id", "secure",
                "versions2", "historyDays", "jakarta.faces.PROJECT_STAGE", "org.eclipse.jetty.servlet.Default.dirAllowed",
                "lb", "version")) {
            host.put(n, "x");
        }
        FilterConfig config = filterConfig(Map.of(), host);
        assertEquals(List.of(), Settings.forFilter(config).unknownSettings(SettingNames.FILTER).stream()
                .filter(w -> w.contains("context-param") || w.contains("init-param")).collect(Collectors.toList()));

        host.put("hearbeat", "5s");
        host.put("workerURL", "http://w");
        host.put("resumelb.secretFile", "/etc/secret");
        host.put("History", "5");
        host.put("Policy", "resume"); // the proxy's, and the filter's context-params are not checked against it
        assertEquals(List.of(
                        "ResumeLB ignores the context-param History: no such setting; did you mean history?",
                        "ResumeLB ignores the context-param hearbeat: no such setting; did you mean heartbeat?",
                        "ResumeLB ignores the context-param resumelb.secretFile: no such setting; did you mean secretFile?",
                        "ResumeLB ignores the context-param workerURL: no such setting; did you mean workerUrl?"),
                Settings.forFilter(filterConfig(Map.of(), host)).unknownSettings(SettingNames.FILTER).stream()
                        .filter(w -> w.contains("context-param")).collect(Collectors.toList()));
    }

    @Test
    void theFiltersInitParamsAndTheProxysContextParamsAreStrict() {
        FilterConfig filter = filterConfig(Map.of("resumeIntervall", "1s", "nonsense", "1", "lb", "http://lb"), Map.of());
        assertEquals(List.of("ResumeLB ignores the init-param nonsense: no such setting",
                        "ResumeLB ignores the init-param resumeIntervall: no such setting; did you mean resumeInterval?"),
                Settings.forFilter(filter).unknownSettings(SettingNames.FILTER).stream()
                        .filter(w -> w.contains("init-param")).collect(Collectors.toList()));
        ServletConfig servlet = servletConfig(Map.of("maxThreads", "8", "whiteList", "a"),
                Map.of("nonsense", "1", "variance", "2", "org.eclipse.jetty.server.x", "y", "resumelb.polcy", "resume"));
        assertEquals(List.of("ResumeLB ignores the context-param nonsense: no such setting",
                        "ResumeLB ignores the context-param resumelb.polcy: no such setting; did you mean policy?"),
                Settings.forServlet(servlet).unknownSettings(SettingNames.PROXY).stream()
                        .filter(w -> w.contains("-param")).collect(Collectors.toList()));
        ServletContext context = servlet.getServletContext();
        assertEquals(List.of("ResumeLB ignores the init-param maxTreads: no such setting; did you mean maxThreads?"),
                Settings.forServlet(Map.of("maxTreads", "8"), context).unknownSettings(SettingNames.PROXY).stream()
                        .filter(w -> w.contains("init-param")).collect(Collectors.toList()));
        assertEquals("2", Settings.forServlet(servlet).raw("variance"));
        assertEquals("8", Settings.forServlet(servlet).raw("maxThreads"));
    }

    @Test
    void plainLambdasAreReadButNotChecked() {
        Settings s = settings(name -> "1", Settings.of(Map.of("varianse", "2")));
        assertEquals("1", s.raw("variance"));
        assertEquals(List.of("ResumeLB ignores the setting varianse: no such setting; did you mean variance?"),
                s.unknownSettings(SettingNames.PROXY));
    }

    @Test
    void askedNamesAreRecorded() {
        Settings s = settings(Settings.of(Map.of("history", "5")));
        s.integer("history", 1, 1, 10);
        s.raw("hostHeader");
        s.secret();
        assertEquals(Set.of("history", "hostHeader", "secret", "secretFile"), s.asked());
    }

    @Test
    void aConfigExceptionCarriesTheWarnings() {
        ConfigException e = new ConfigException("secret", null, "required");
        assertSame(e, e.withWarnings(List.of()));
        ConfigException w = e.withWarnings(List.of("ResumeLB ignores the environment variable RESUMELB_SECERT: no such setting; did you mean RESUMELB_SECRET?"));
        assertEquals("secret", w.setting());
        assertEquals("ResumeLB setting 'secret': required. Also, ResumeLB ignores the environment variable RESUMELB_SECERT: no such setting;"
                + " did you mean RESUMELB_SECRET?", w.getMessage());
    }

    @Test
    void distancesCountSwapsAsOneEdit() {
        assertEquals(1, Settings.distance("secert", "secret"));
        assertEquals(1, Settings.distance("polcy", "policy"));
        assertEquals(2, Settings.distance("lb", "id"));
        assertEquals("workerttl", Settings.key("RESUMELB_WORKER_TTL"));
        assertEquals("workerttl", Settings.key("resumelb.workerTtl"));
        assertTrue(Settings.key("resumelbish").startsWith("resumelb"));
    }

    static FilterConfig filterConfig(Map<String, String> init, Map<String, String> context) {
        ServletContext ctx = servletContext(context);
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "ResumeLB";
            }

            @Override
            public ServletContext getServletContext() {
                return ctx;
            }

            @Override
            public String getInitParameter(String name) {
                return init.get(name);
            }

            @Override
            public java.util.Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(init.keySet());
            }
        };
    }

    static ServletConfig servletConfig(Map<String, String> init, Map<String, String> context) {
        ServletContext ctx = servletContext(context);
        return new ServletConfig() {
            @Override
            public String getServletName() {
                return "ResumeLB";
            }

            @Override
            public ServletContext getServletContext() {
                return ctx;
            }

            @Override
            public String getInitParameter(String name) {
                return init.get(name);
            }

            @Override
            public java.util.Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(init.keySet());
            }
        };
    }

    /** A servlet context that has only context-params. */
    static ServletContext servletContext(Map<String, String> params) {
        return (ServletContext) Proxy.newProxyInstance(UnknownSettingsTest.class.getClassLoader(), new Class<?>[] {ServletContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getInitParameter" -> params.get((String) args[0]);
                    case "getInitParameterNames" -> Collections.enumeration(params.keySet());
                    case "toString" -> "test context";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
