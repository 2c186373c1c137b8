package org.apache.zeppelin.interpreter;

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
    InterpreterInfoSaving saving = InterpreterInfoSaving.loadFromFile(interpreterJson);
    InterpreterSetting setting = saving.interpreterSettings.get(group);
    if (setting == null) {
      throw new IllegalArgumentException("no interpreter setting " + group + " in " + interpreterJson);
    }
    setting.setProperties(InterpreterSetting.convertInterpreterProperties(setting.getProperties()));
    setting.setConf(ZeppelinConfiguration.create());
    return setting.getJavaProperties();
  }
}
