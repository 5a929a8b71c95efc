namespace DistillKit.Cli.Fuzz;

/// <summary>Every reader <c>./kit fuzz</c> knows, in the order <c>./kit fuzz all</c> runs them.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new PngTarget(), new JpegTarget(), new PpmTarget(), new FloTarget(), new KittiFlowPngTarget(), new SafetensorsTarget(), new PthTarget(), new DatTarget(), new OnnxTarget(), new NotebookTarget(),
        new SintelTarget(), new KittiTarget(), new KittiMultiviewTarget(), new FlyingChairsTarget(), new ChairsSplitTarget(),
        new PfPascalCsvTarget(), new PfWillowCsvTarget(), new SpairJsonTarget(), new TssTarget(),
    ];
}
