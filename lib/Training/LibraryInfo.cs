namespace DistillKit.Training;

/// <summary>Library identity recorded in every run.</summary>
public static class LibraryInfo
{
    public static string Version => typeof(LibraryInfo).Assembly.GetName().Version?.ToString() ?? "0";
}
