using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Classical;

/// <summary>
/// What the classical methods share behind <see cref="IFlowModel"/>: no weights (an empty module), no eval mode, any
/// input size, the input check, and the backward flow as the forward method on the swapped pair. Inputs [B,3,H,W] RGB
/// in [0,1]; outputs in the kit's flow conventions (u then v, pixels; forward maps frame 1 to frame 2). No gradient.
/// </summary>
public abstract class ClassicalFlow : IFlowModel
{
    readonly nn.Module _module = new NoWeights();

    public abstract string Kind { get; }
    public int SizeMultiple => 1;
    public nn.Module AsModule => _module;
    public void SetEval() { }

    public virtual (Tensor flowFw, Tensor flowBw) ForwardBoth(Tensor image1, Tensor image2) => (ForwardFlow(image1, image2), ForwardFlow(image2, image1));

    public Tensor ForwardFlow(Tensor image1, Tensor image2)
    {
        if (image1.dim() != 4 || image1.size(1) != 3 || !image1.shape.SequenceEqual(image2.shape))
            throw new ArgumentException($"{GetType().Name}: expected two RGB batches [B,3,H,W] of one size, got [{string.Join(",", image1.shape)}] and [{string.Join(",", image2.shape)}]");
        return Estimate(image1, image2);
    }

    /// <summary>The forward flow [B,2,H,W] of checked inputs.</summary>
    protected abstract Tensor Estimate(Tensor image1, Tensor image2);

    public void Dispose() => _module.Dispose();

    sealed class NoWeights : nn.Module
    {
        public NoWeights() : base("classical") { }
    }
}
