using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Pmd;

/// <summary>
/// Dense semantic matches of every source cell (layer3 grid, h×w), in <see cref="CellGrid"/>'s normalised
/// coordinates (<c>align_corners = false</c>, channel 0 = u). Owns its tensors.
/// </summary>
/// <param name="Target">[B,2,h,w]: the matched position in the target image of each source cell.</param>
/// <param name="Flow">[B,2,h,w]: <paramref name="Target"/> minus the source cell centre (<see cref="CellGrid.Centres"/>).</param>
public sealed record SemanticMatches(Tensor Target, Tensor Flow) : IDisposable
{
    /// <summary>Matches from target positions [B,2,h,w] (normalised): the flow is computed here.</summary>
    public static SemanticMatches FromTargets(Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var flow = target.sub(CellGrid.Centres(target.size(2), target.size(3), target.device, target.dtype));
        return new SemanticMatches(target, flow.MoveToOuterDisposeScope());
    }

    /// <summary>The flow in pixels of H×W images (DESIGN.md): <see cref="CellGrid.ToPixelFlow"/>.</summary>
    public Tensor PixelFlow(long height, long width) => CellGrid.ToPixelFlow(Flow, height, width);

    public void Dispose()
    {
        Target.Dispose();
        Flow.Dispose();
    }
}
