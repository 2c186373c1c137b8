package org.apache.zeppelin.interpreter;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.zeppelin.conf.ZeppelinConfiguration;

/**
 * zeppelin-zengine 0.9.0 loading the chart's interpreter.json as the server does
 * (InterpreterSettingManager.loadFromFile, 0.9.0 lines 239-262): InterpreterInfoSaving parses
 * the file, the saved properties are converted to InterpreterProperty, and
 * InterpreterSetting.getJavaProperties() gives what the launcher receives. It sits in Zeppelin's
 * package because convertInterpreterProperties is package-private there.
 */
public final class ZengineSettings {
  private ZengineSettings() {
  }

  public static Properties load(Path interpreterJson, String group) throws Exception {
    InterpreterSetting setting = saved(interpreterJson, group);
    if (setting == null) {
      throw new IllegalArgumentException("no interpreter setting " + group + " in " + interpreterJson);
    }
    return setting.getJavaProperties();
  }

  /**
   * The interpreter group id of an execution (which process, so which pod, it lands in):
   * zengine's own InterpreterSetting.getInterpreterGroupId (0.9.0 line 399, private, hence
   * reflection), of the ExecutionContext the server builds for a paragraph run
   * (ExecutionContext(user, noteId, interpreterGroupId, defaultInterpreterGroup,
   * inIsolatedMode, startTime)).
   */
  public static String groupId(Path interpreterJson, String group, String user, String noteId,
                               boolean isolated, String startTime) throws Exception {
    InterpreterSetting setting = interpreterJson == null ? null : saved(interpreterJson, group);
    if (setting == null) {
      // A group interpreter.json does not name keeps the template the server registers from
      // the image's interpreter-setting.json (InterpreterSettingManager.registerInterpreterSetting,
      // 0.9.0 line 524): id and name are the group, the option the manager's default
      // (new InterpreterOption(), line 160: shared).
      setting = new InterpreterSetting.Builder().setGroup(group).setName(group)
          .setOption(new InterpreterOption()).setConf(ZeppelinConfiguration.create()).create();
    }
    Method method = InterpreterSetting.class.getDeclaredMethod("getInterpreterGroupId",
        ExecutionContext.class);
    method.setAccessible(true);
    return (String) method.invoke(setting,
        new ExecutionContext(user, noteId, null, group, isolated, startTime));
  }

  private static InterpreterSetting saved(Path interpreterJson, String group) throws Exception {
    InterpreterSetting setting = InterpreterInfoSaving.loadFromFile(interpreterJson)
        .interpreterSettings.get(group);
    if (setting != null) {
      setting.setProperties(InterpreterSetting.convertInterpreterProperties(setting.getProperties()));
      setting.setConf(ZeppelinConfiguration.create());
    }
    return setting;
  }
}
