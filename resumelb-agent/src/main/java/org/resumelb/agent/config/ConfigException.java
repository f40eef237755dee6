package org.resumelb.agent.config;

/**
 * An invalid setting: the message names the setting, the value given and what
 * is accepted, so that a failed deployment says how to fix it.
 */
public final class ConfigException extends IllegalArgumentException {

    private final String setting;

    public ConfigException(String setting, String value, String problem) {
        super("ResumeLB setting '" + setting + "'" + (value == null ? "" : " = '" + abbreviate(value) + "'") + ": " + problem);
        this.setting = setting;
    }

    private ConfigException(ConfigException cause, String message) {
        super(message, cause);
        this.setting = cause.setting;
    }

    /**
     * This exception, or when there are {@code warnings} (such as
     * {@link Settings#unknownSettings}) one naming the same setting whose
     * message adds them: a deployment that fails because {@code secret} is
     * missing then also says that {@code RESUMELB_SECERT} was ignored.
     */
    public ConfigException withWarnings(java.util.List<String> warnings) {
        if (warnings == null || warnings.isEmpty()) {
            return this;
        }
        StringBuilder b = new StringBuilder(getMessage());
        for (String w : warnings) {
            char last = b.charAt(b.length() - 1);
            b.append(last == '.' || last == '?' ? " Also, " : ". Also, ").append(w);
        }
        return new ConfigException(this, b.toString());
    }

    public String setting() {
        return setting;
    }

    private static String abbreviate(String value) {
        return value.length() > 120 ? value.substring(0, 120) + "…" : value;
    }
}
