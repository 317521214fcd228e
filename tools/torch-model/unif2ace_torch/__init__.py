"""PyTorch twin of @unif2ace/model: the same architecture, parameter names and file formats."""
