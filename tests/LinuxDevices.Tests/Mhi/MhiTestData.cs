using LinuxDevices.Tracing;

namespace LinuxDevices.Tests.Mhi;

/// <summary>Access to the lab-captured golden files in TestData/Mhi.</summary>
internal static class MhiTestData
{
    public static readonly string[] EventNames =
    [
        "mhi_channel_command_end", "mhi_channel_command_start", "mhi_ctrl_event", "mhi_data_event",
        "mhi_gen_tre", "mhi_intvec_states", "mhi_pm_st_transition", "mhi_tryset_pm_state",
    ];

    public static string Dir => Path.Combine(AppContext.BaseDirectory, "TestData", "Mhi");

    public static string Read(string name) => File.ReadAllText(Path.Combine(Dir, name));

    /// <summary>Binary test data kept as hex text (32 bytes a line) so the repository holds no binaries.</summary>
    public static byte[] ReadHex(string name) =>
        Convert.FromHexString(string.Concat(File.ReadAllLines(Path.Combine(Dir, name)).Select(l => l.Trim())));

    public static EventFormat Format(string eventName) =>
        EventFormat.Parse(Read(eventName + ".format"), "mhi_host", eventName + ".format");

    public static IReadOnlyList<EventFormat> AllFormats() => EventNames.Select(Format).ToList();

    public static HeaderPage HeaderPage() => Tracing.HeaderPage.Parse(Read("header_page"));

    public static PrintkFormats Strings() => PrintkFormats.Parse(Read("capture.kstrings"));
}
