package plugin

import "strconv"

// StatusMessage is Kong's default message for a gateway-made error of that
// status (kong.response.error without a message).
func StatusMessage(status int) string {
	switch status {
	case 400:
		return "Bad request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not found"
	case 405:
		return "Method not allowed"
	case 406:
		return "Not acceptable"
	case 408:
		return "Request timeout"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 411:
		return "Length required"
	case 412:
		return "Precondition failed"
	case 413:
		return "Payload too large"
	case 414:
		return "URI too long"
	case 415:
		return "Unsupported media type"
	case 429:
		return "Too many requests"
	case 500:
		return "An unexpected error occurred"
	case 502:
		return "Bad gateway"
	case 503:
		return "Service unavailable"
	case 504:
		return "Gateway timeout"
	}
	return "The upstream server responded with " + strconv.Itoa(status)
}
